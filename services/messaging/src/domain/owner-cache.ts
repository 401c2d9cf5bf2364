import type { ConversationDoc, TimelineDoc } from '../store/store.schema';

/** What the owner of a conversation's partition keeps of it between messages. */
export interface OwnedConversation {
  /** The membership projection as last read (null: no such conversation, or deleted). */
  conv: ConversationDoc | null;
  /** The timeline: this process writes it, so while it owns the partition its copy is the truth. */
  timeline: TimelineDoc;
  /** The messaging-commands partition the conversation's commands arrive on. */
  partition: number;
  /**
   * In a direct conversation, whether the peer blocks a sender, as read once: a block change
   * sends `conversation.projected` for the pair's conversation, which drops this entry.
   */
  blockedSenders?: Map<string, boolean>;
  /** A `conversation.projected` came: the membership (and who blocks whom) is read again on next use; the timeline stays. */
  convStale?: boolean;
}

/** Why an entry left the cache: pushed out by newer ones, or its partition's state can no longer be trusted. */
export type LeaveReason = 'evicted' | 'dropped';

/**
 * The owner's cache of its conversations, so a message costs no read. It is
 * right only while nobody else handles the partition, so it watches the
 * offsets it is given: a message that is not the one right after the last one
 * it handled (another process had the partition meanwhile, or a redelivery)
 * drops everything it holds of that partition. Membership changes arrive as
 * `conversation.projected` on the same partition and mark the entry's
 * membership stale. Bounded, least recently used out first. `left` hears of
 * every entry that goes (the owner writes an evicted one's checkpoint).
 */
export class OwnerCache {
  private readonly entries = new Map<string, OwnedConversation>();
  /** Per partition, the offsets of the batch last seen. */
  private readonly batches = new Map<number, { from: number; to: number }>();

  constructor(
    private readonly maxEntries = 20000,
    private readonly left: (conversationId: string, entry: OwnedConversation, why: LeaveReason) => void = () => undefined,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(conversationId: string): OwnedConversation | undefined {
    const entry = this.entries.get(conversationId);
    if (entry) {
      // Refresh its place in the LRU order.
      this.entries.delete(conversationId);
      this.entries.set(conversationId, entry);
    }
    return entry;
  }

  set(conversationId: string, entry: OwnedConversation): void {
    this.entries.delete(conversationId);
    this.entries.set(conversationId, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      const gone = this.entries.get(oldest)!;
      this.entries.delete(oldest);
      this.left(oldest, gone, 'evicted');
    }
  }

  /** The entry without refreshing its place (for the checkpoint writer). */
  peek(conversationId: string): OwnedConversation | undefined {
    return this.entries.get(conversationId);
  }

  /**
   * Called with every handled message of the commands topic, before it is
   * handled, with the bounds of the batch it came in (a message alone is a
   * batch of one). Messages of one batch may run side by side (by key); a
   * batch that does not start right after the previous one means another
   * process had the partition meanwhile, or a redelivery.
   */
  observe(partition: number, firstOffset: string | number, lastOffset: string | number = firstOffset): void {
    const from = Number(firstOffset);
    const to = Number(lastOffset);
    const seen = this.batches.get(partition);
    if (seen && seen.from === from && seen.to === to) return;
    if (seen && from !== seen.to + 1) this.dropPartition(partition);
    this.batches.set(partition, { from, to });
  }

  dropPartition(partition: number): void {
    for (const [id, entry] of this.entries) {
      if (entry.partition !== partition) continue;
      this.entries.delete(id);
      this.left(id, entry, 'dropped');
    }
  }

  clear(): void {
    for (const [id, entry] of this.entries) this.left(id, entry, 'dropped');
    this.entries.clear();
    this.batches.clear();
  }
}
