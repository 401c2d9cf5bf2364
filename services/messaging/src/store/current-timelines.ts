import { Injectable } from '@nestjs/common';
import { advance, emptyTimeline } from '../domain/views';
import { MessagesRepository } from './messages.repository';
import type { MessageDoc, TimelineDoc } from './store.schema';
import { TimelinesRepository } from './timelines.repository';

/**
 * Timelines as they are now, for readers that do not own the conversation
 * (the conversation list, the membership projection) and for an owner taking
 * one over. The owner writes a checkpoint only every so many messages or
 * seconds (MessagingService), so the state is the checkpoint advanced over
 * the messages stored above it; seqs have no gaps, so those are found by id.
 */
@Injectable()
export class CurrentTimelines {
  constructor(
    private readonly timelines: TimelinesRepository,
    private readonly messages: MessagesRepository,
  ) {}

  /** The checkpoint, the messages above it, and the state after them. */
  async find(id: string): Promise<{ checkpoint: TimelineDoc; above: MessageDoc[]; current: TimelineDoc }> {
    const checkpoint = (await this.timelines.find(id)) ?? emptyTimeline(id);
    const above = await this.messages.runAbove(id, checkpoint.lastSeq);
    return { checkpoint, above, current: derive(checkpoint, above) };
  }

  /** The current state of each conversation (an empty one for a conversation without any). */
  async findMany(ids: string[]): Promise<Map<string, TimelineDoc>> {
    const stored = new Map((await this.timelines.findMany(ids)).map((t) => [t._id, t]));
    const checkpoints = ids.map((id) => stored.get(id) ?? emptyTimeline(id));
    // Most have nothing above their checkpoint: one point lookup each.
    const runs = await Promise.all(checkpoints.map((t) => this.messages.runAbove(t._id, t.lastSeq)));
    return new Map(checkpoints.map((t, i) => [t._id, derive(t, runs[i]!)]));
  }
}

/**
 * The checkpoint advanced over the messages above it. The owner keeps the last
 * message's quote of its original current in the checkpoint (an edit or a
 * delete of the original), even above the checkpoint's lastSeq, while the
 * reply's own document keeps the quote of its sending: so the last message is
 * its document, with the checkpoint's quote when that is of the same message.
 */
export function derive(checkpoint: TimelineDoc, above: MessageDoc[]): TimelineDoc {
  const current = advance(checkpoint, above);
  const kept = checkpoint.lastMessage;
  if (above.length > 0 && kept && current.lastMessage && kept._id === current.lastMessage._id && kept.replyTo) {
    return { ...current, lastMessage: { ...current.lastMessage, replyTo: kept.replyTo } };
  }
  return current;
}
