/** How often an owner writes a conversation's timeline checkpoint. */
export interface CheckpointPolicy {
  /** Written once this many messages are above it. */
  maxMessages: number;
  /** Written once its oldest unwritten message is this old. */
  maxAgeMs: number;
}

export const CHECKPOINT_POLICY: CheckpointPolicy = { maxMessages: 64, maxAgeMs: 30_000 };

/**
 * Which of the owner's conversations hold messages their checkpoint does not,
 * and which are due to be written. A message costs one insert, not an insert
 * and a timeline write: the checkpoint is written every `maxMessages` messages
 * or `maxAgeMs` after the first unwritten one (checked by a sweep, so writes
 * spread over time instead of coming together), when the owner cache lets the
 * conversation go, and at shutdown. Readers derive what lies above it.
 */
export class CheckpointPlan {
  /** Per conversation: when its first unwritten message was recorded, and how many there are. */
  private readonly unwritten = new Map<string, { since: number; count: number }>();

  constructor(public policy: CheckpointPolicy = CHECKPOINT_POLICY) {}

  get size(): number {
    return this.unwritten.size;
  }

  /** Notes `n` messages recorded in memory; true when the checkpoint should be written now. */
  note(conversationId: string, n: number, now: number): boolean {
    const entry = this.unwritten.get(conversationId);
    if (entry) entry.count += n;
    else this.unwritten.set(conversationId, { since: now, count: n });
    return (entry?.count ?? n) >= this.policy.maxMessages;
  }

  /** The conversations whose oldest unwritten message is `maxAgeMs` old. */
  due(now: number): string[] {
    const due: string[] = [];
    for (const [id, e] of this.unwritten) if (now - e.since >= this.policy.maxAgeMs) due.push(id);
    return due;
  }

  /**
   * Takes a conversation out as its state is written; `restore` (the write
   * failed) puts it back, keeping its age, unless newer messages came meanwhile.
   */
  take(conversationId: string): { restore: () => void } | undefined {
    const entry = this.unwritten.get(conversationId);
    if (!entry) return undefined;
    this.unwritten.delete(conversationId);
    return {
      restore: () => {
        const now = this.unwritten.get(conversationId);
        if (now) {
          now.since = Math.min(now.since, entry.since);
          now.count += entry.count;
        } else this.unwritten.set(conversationId, entry);
      },
    };
  }

  /** Forgets a conversation whose cached state can no longer be trusted: its messages are stored, and readers derive them. */
  forget(conversationId: string): void {
    this.unwritten.delete(conversationId);
  }

  all(): string[] {
    return [...this.unwritten.keys()];
  }
}
