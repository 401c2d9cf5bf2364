/**
 * Drops a `message:new` this gateway has already pushed.
 *
 * Messaging stores a message, then pushes it, then records it; a crash or an
 * outage between push and record makes the retry push it again (same id, same
 * seq). protocol.md promises `message:new` once per socket, so the gateway
 * filters the repeat. A conversation's pushes arrive in seq order (the
 * deliveries topic is keyed by conversation, and one owner pushes them), so
 * a `message:new` at or below the highest seq already pushed here is a
 * repeat. The map is bounded: the least recently pushed conversations are
 * forgotten first.
 */
export class RepeatFilter {
  private readonly highest = new Map<string, number>();

  constructor(private readonly capacity = 50_000) {}

  /** True when this message was pushed before; otherwise notes it and answers false. */
  repeated(conversationId: string, seq: number): boolean {
    const seen = this.highest.get(conversationId);
    if (seen !== undefined && seq <= seen) return true;
    // Re-insert to keep the Map in least-recently-pushed order.
    this.highest.delete(conversationId);
    this.highest.set(conversationId, seq);
    if (this.highest.size > this.capacity) this.highest.delete(this.highest.keys().next().value as string);
    return false;
  }

  get size(): number {
    return this.highest.size;
  }
}
