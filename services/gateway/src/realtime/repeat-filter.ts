/** How many seqs below a conversation's highest the filter tells apart; anything older counts as pushed. */
export const REPEAT_WINDOW = 32;

/**
 * Drops a `message:new` this gateway has already pushed.
 *
 * Messaging stores a message, then pushes it, then records it; a crash or an
 * outage between push and record makes the retry push it again (same id, same
 * seq). protocol.md promises `message:new` once per socket, so the gateway
 * filters the repeat. A conversation's pushes mostly arrive in seq order (one
 * owner pushes them, onto this gateway's partition), but not always: when a
 * producer switches from broadcasting to routing, the last broadcast and the
 * first routed push come on two partitions. So the filter remembers, per
 * conversation, the highest seq pushed and which of the REPEAT_WINDOW seqs
 * below it were: a late one inside the window is pushed once, a repeat is
 * dropped, and one older than the window is taken for a repeat. The map is
 * bounded: the least recently pushed conversations are forgotten first.
 */
export class RepeatFilter {
  /** Conversation → highest seq pushed, and a bit per seq below it (bit i: highest - 1 - i was pushed). */
  private readonly seen = new Map<string, { highest: number; below: number }>();

  constructor(private readonly capacity = 50_000) {}

  /** True when this message was pushed before; otherwise notes it and answers false. */
  repeated(conversationId: string, seq: number): boolean {
    const seen = this.seen.get(conversationId);
    if (seen) {
      if (seq === seen.highest) return true;
      if (seq < seen.highest) {
        const bit = seen.highest - 1 - seq;
        if (bit >= REPEAT_WINDOW || (seen.below >>> bit) & 1) return true;
        seen.below |= 1 << bit;
        return false;
      }
    }
    const next = { highest: seq, below: 0 };
    if (seen) {
      const shift = seq - seen.highest;
      // The old highest becomes bit shift-1; the bits below it move up with it.
      next.below = shift > REPEAT_WINDOW ? 0 : ((seen.below << shift) | (1 << (shift - 1))) >>> 0;
      if (shift === REPEAT_WINDOW) next.below = (1 << 31) >>> 0;
    }
    // Re-insert to keep the Map in least-recently-pushed order.
    this.seen.delete(conversationId);
    this.seen.set(conversationId, next);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.keys().next().value as string);
    return false;
  }

  get size(): number {
    return this.seen.size;
  }
}
