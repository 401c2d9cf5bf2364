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
   * Checkpoints of concurrent owners: whole-state replacements, each guarded
   * by its lastSeq. A checkpoint replaces only a stored state that is older
   * (or holds no messages yet: a read or a mute alone), so a late write of a
   * former owner does not take the checkpoint back.
   *
   * The guard is a read by `_id`, then replacements filtered by `_id` alone.
   * FerretDB's SQLite backend (the embedded default) serves a filter of
   * exactly `{ _id }` from its primary key and decodes the whole collection
   * for any other: a guard inside the filter cost a full scan of the
   * timelines per checkpoint (0.5 s of FerretDB CPU each with 1,000
   * conversations). What the read gives up is the race between it and the
   * write: an old owner's checkpoint in flight as the new owner writes one
   * can still land over it. That costs readers a longer derivation (the
   * messages above a checkpoint are read by `_id`), never a wrong lastSeq.
   *
   * At most 16 statements per command: stock FerretDB v1 holds one pooled
   * SQLite connection per statement of a write until the command ends (100
   * per database), so long bulk writes from several processes could exhaust
   * its pool (the launcher's build fixes that; see scripts/infra/ferretdb.mjs).
   */
  private readonly checkpoints = new WriteBatcher<TimelineDoc, void>(async (docs) => {
    // The newest state of each conversation in the batch, if it is newer than the stored one
    // (a stored timeline without messages, a read or a mute alone, reads as lastSeq 0).
    const newest = new Map((await this.findMany(docs.map((doc) => doc._id))).map((t) => [t._id, t]));
    const writes = new Map<string, TimelineDoc>();
    for (const doc of docs) {
      if (doc.lastSeq <= (newest.get(doc._id)?.lastSeq ?? -1)) continue;
      newest.set(doc._id, doc);
      writes.set(doc._id, doc);
    }
    if (writes.size === 0) return docs.map(() => undefined);
    try {
      await this.timelines.bulkWrite(
        [...writes.values()].map((doc) => ({ replaceOne: { filter: { _id: doc._id }, replacement: doc, upsert: true } })),
        { ordered: false },
      );
    } catch (err) {
      // Two first checkpoints of one conversation upserted at once: one of them stays.
      const writeErrors = (err as { writeErrors?: { code?: number; err?: { code?: number } }[] }).writeErrors;
      if (!writeErrors?.length || writeErrors.some((w) => (w.code ?? w.err?.code) !== 11000)) throw err;
    }
    return docs.map(() => undefined);
  }, 16);

  /**
   * Writes a conversation's whole state as its checkpoint, unless the stored
   * one is as new or newer. The owner of the conversation's partition is the
   * one writer of its messages, so its state is the truth up to its lastSeq;
   * what lies above a checkpoint is derived from the messages (CurrentTimelines).
   */
  checkpoint(doc: TimelineDoc): Promise<void> {
    return this.checkpoints.add(doc);
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

  /** The last message after an edit or a delete (of it, or of the original it quotes), whether or not the checkpoint holds it yet. */
  async recordLastMessage(id: string, message: MessageDoc): Promise<void> {
    await this.timelines.updateOne({ _id: id }, { $set: { lastMessage: message } }, { upsert: true });
  }
}
