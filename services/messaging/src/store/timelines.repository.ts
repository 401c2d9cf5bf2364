import { WriteBatcher } from '@chat/platform-batching';
import { findByIds } from '@chat/platform-mongo';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, mongo } from 'mongoose';
import { TIMELINE_MODEL, type MessageDoc, type ReadDoc, type TimelineDoc } from './store.schema';

/** A timeline written piecemeal ($set upserts) may lack a map it has not needed yet. */
function complete(doc: TimelineDoc): TimelineDoc {
  return { ...doc, lastSeq: doc.lastSeq ?? 0, lastMessage: doc.lastMessage ?? null, lastAt: doc.lastAt ?? null, sent: doc.sent ?? {}, reads: doc.reads ?? {}, mentioned: doc.mentioned ?? {}, muted: doc.muted ?? {} };
}

/** The only code that touches the timelines (seq, last message, read markers). */
@Injectable()
export class TimelinesRepository {
  private readonly timelines: mongo.Collection<TimelineDoc>;

  constructor(@InjectModel(TIMELINE_MODEL) model: Model<TimelineDoc>) {
    this.timelines = model.collection as unknown as mongo.Collection<TimelineDoc>;
  }

  async find(id: string): Promise<TimelineDoc | null> {
    const doc = await this.timelines.findOne({ _id: id });
    return doc ? complete(doc) : null;
  }

  async findMany(ids: string[]): Promise<TimelineDoc[]> {
    const docs = await findByIds(
      ids,
      (id) => this.timelines.findOne({ _id: id }),
      (many) => this.timelines.find({ _id: { $in: many } }).toArray(),
    );
    return docs.map(complete);
  }

  /**
   * Progress records of concurrent sends, one bulkWrite. Ordered: a
   * conversation's records are made one after another by its partition's
   * owner, and if two of one conversation ever share a batch, the later wins.
   * At most 16 statements per command: stock FerretDB v1 holds one pooled
   * SQLite connection per statement of an update until the command ends
   * (100 per database), so long bulk updates from several processes could
   * exhaust its pool (the launcher's build fixes that; see scripts/infra/ferretdb.mjs).
   */
  private readonly progress = new WriteBatcher<{ id: string; set: Record<string, unknown> }, void>(async (records) => {
    await this.timelines.bulkWrite(
      records.map((r) => ({ updateOne: { filter: { _id: r.id }, update: { $set: r.set }, upsert: true } })),
      { ordered: true },
    );
    return records.map(() => undefined);
  }, 16);

  /** Records stored messages: seq, last message and the counts of the senders among them. */
  recordProgress(next: TimelineDoc, senders: string[], mentioned: string[] = []): Promise<void> {
    const set: Record<string, unknown> = { lastSeq: next.lastSeq, lastMessage: next.lastMessage, lastAt: next.lastAt };
    for (const s of new Set(senders)) set[`sent.${s}`] = next.sent[s] ?? 0;
    for (const u of new Set(mentioned)) set[`mentioned.${u}`] = next.mentioned[u] ?? [];
    return this.progress.add({ id: next._id, set });
  }

  /** A read marker, and the member's mentions left above it. */
  async recordRead(id: string, userId: string, read: ReadDoc, mentioned: number[] = []): Promise<void> {
    await this.timelines.updateOne({ _id: id }, { $set: { [`reads.${userId}`]: read, [`mentioned.${userId}`]: mentioned } }, { upsert: true });
  }

  /** The mentioned seqs of some members, after an edit or a delete changed a message's mentions. */
  async recordMentioned(id: string, mentioned: Record<string, number[]>): Promise<void> {
    const set = Object.fromEntries(Object.entries(mentioned).map(([u, seqs]) => [`mentioned.${u}`, seqs]));
    if (Object.keys(set).length > 0) await this.timelines.updateOne({ _id: id }, { $set: set }, { upsert: true });
  }

  /** A member's mute: the membership it holds for, or none. */
  async recordMute(id: string, userId: string, joinedAt: string | null): Promise<void> {
    const field = `muted.${userId}`;
    if (joinedAt === null) await this.timelines.updateOne({ _id: id }, { $unset: { [field]: 1 as const } }, { upsert: true });
    else await this.timelines.updateOne({ _id: id }, { $set: { [field]: joinedAt } }, { upsert: true });
  }

  /** The last message after an edit or a delete. */
  async recordLastMessage(id: string, message: MessageDoc): Promise<void> {
    await this.timelines.updateOne({ _id: id }, { $set: { lastMessage: message } });
  }

  /**
   * Writes the whole state. The owner of the conversation's partition is the
   * one writer, so a full replace is both safe and idempotent on a retry.
   */
  async save(doc: TimelineDoc): Promise<void> {
    await this.timelines.replaceOne({ _id: doc._id }, doc, { upsert: true });
  }
}
