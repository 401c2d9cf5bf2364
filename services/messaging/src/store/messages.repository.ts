import { Injectable } from '@nestjs/common';
import { LIMITS, messageId } from '@chat/contracts';
import { WriteBatcher } from '@chat/platform-batching';
import { findByIds } from '@chat/platform-mongo';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, mongo } from 'mongoose';
import { MESSAGE_MODEL, type MessageDoc, type ReactionDoc } from './store.schema';

/** Where a search page ended: the last message it answered, in the order of the answers. */
export interface SearchPosition {
  createdAt: Date;
  seq: number;
  id: string;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export type InsertOutcome = 'inserted' | 'duplicate';

export function isDuplicateKey(err: unknown): boolean {
  return !!err && typeof err === 'object' && (err as { code?: unknown }).code === 11000;
}


/** The only code that touches the messages collection. */
@Injectable()
export class MessagesRepository {
  private readonly messages: mongo.Collection<MessageDoc>;

  constructor(@InjectModel(MESSAGE_MODEL) model: Model<MessageDoc>) {
    // The driver's collection: no casting or hydration on the hot path.
    this.messages = model.collection as unknown as mongo.Collection<MessageDoc>;
  }

  /** Messages stored by concurrent sends (other conversations of the fetch) go in one insertMany. */
  private readonly inserts = new WriteBatcher<MessageDoc, InsertOutcome>((docs) => this.insertMany(docs));

  /**
   * Stores one message; 'duplicate' when its seq or its clientMsgId is taken.
   * Sends of different conversations run side by side, so under load their
   * messages are written together (see WriteBatcher).
   */
  insert(doc: MessageDoc): Promise<InsertOutcome> {
    return this.inserts.add(doc);
  }

  /** Stores many in one round trip (unordered); the outcome of each, in order. */
  async insertMany(docs: MessageDoc[]): Promise<InsertOutcome[]> {
    const outcomes: InsertOutcome[] = docs.map(() => 'inserted');
    if (docs.length === 0) return outcomes;
    try {
      await this.messages.insertMany(docs, { ordered: false });
    } catch (err) {
      const writeErrors = (err as { writeErrors?: { index: number; code?: number; err?: { code?: number } }[] }).writeErrors;
      if (!writeErrors || writeErrors.length === 0) throw err;
      for (const w of writeErrors) {
        if ((w.code ?? w.err?.code) !== 11000) throw err;
        outcomes[w.index] = 'duplicate';
      }
    }
    return outcomes;
  }

  findById(id: string): Promise<MessageDoc | null> {
    return this.messages.findOne({ _id: id });
  }

  findByClientMsgId(conversationId: string, senderId: string, clientMsgId: string): Promise<MessageDoc | null> {
    return this.messages.findOne({ conversationId, senderId, clientMsgId });
  }

  /** Every message a user sent, by conversation and seq (the export: rare, so a scan rather than another index on every insert). */
  bySender(senderId: string): Promise<MessageDoc[]> {
    return this.messages.find({ senderId }).sort({ conversationId: 1, seq: 1 }).toArray();
  }

  /**
   * The messages stored right above `seq`, ascending, up to the first gap: what
   * a conversation holds beyond its timeline's checkpoint. Read by id: the one
   * right above first (usually there is none), then windows of `window` ids at
   * once while each comes back full, as `range` reads history.
   */
  async runAbove(conversationId: string, seq: number, window = 16): Promise<MessageDoc[]> {
    const first = await this.messages.findOne({ _id: messageId(conversationId, seq + 1) });
    if (!first) return [];
    const run: MessageDoc[] = [first];
    for (;;) {
      const from = seq + run.length + 1;
      const docs = await this.range(conversationId, from, from + window - 1);
      for (const d of docs) {
        if (d.seq !== seq + run.length + 1) return run;
        run.push(d);
      }
      if (docs.length < window) return run;
    }
  }

  /**
   * The messages with seq from `from` to `to` (inclusive), ascending. Seqs are
   * contiguous, so these are ids `<conversation>-<seq>`: looked up by `_id`,
   * which FerretDB's SQLite backend serves from its primary key (a filter on
   * conversationId and seq would decode every message of every conversation).
   */
  async range(conversationId: string, from: number, to: number): Promise<MessageDoc[]> {
    const ids: string[] = [];
    for (let seq = from; seq <= to; seq++) ids.push(messageId(conversationId, seq));
    const docs = await findByIds(
      ids,
      (id) => this.messages.findOne({ _id: id }),
      (many) => this.messages.find({ _id: { $in: many } }).toArray(),
      LIMITS.historyLimitMax,
    );
    return docs.sort((a, b) => a.seq - b.seq);
  }

  /** How many messages of one sender have a seq in (afterSeq, uptoSeq]. */
  countFromSender(conversationId: string, senderId: string, afterSeq: number, uptoSeq: number): Promise<number> {
    return this.messages.countDocuments({ conversationId, senderId, seq: { $gt: afterSeq, $lte: uptoSeq } });
  }

  /** Writes an edit or a delete (the owner of the conversation is the only writer). */
  async setContent(id: string, change: Pick<MessageDoc, 'text' | 'editedAt' | 'deletedAt' | 'mentions' | 'words'> & Partial<Pick<MessageDoc, 'reactions' | 'attachments'>>): Promise<void> {
    await this.messages.updateOne({ _id: id }, { $set: change });
  }

  async setReactions(id: string, reactions: ReactionDoc[]): Promise<void> {
    await this.messages.updateOne({ _id: id }, { $set: { reactions } });
  }

  /** Messages by id, in no particular order (unknown ids left out). */
  findMany(ids: string[]): Promise<MessageDoc[]> {
    return findByIds(
      ids,
      (id) => this.messages.findOne({ _id: id }),
      (many) => this.messages.find({ _id: { $in: many } }).toArray(),
      LIMITS.historyLimitMax,
    );
  }

  /**
   * Undeleted messages of the conversations with, for each term, a word it is
   * a prefix of; newest first (createdAt, then seq, then id), strictly after
   * `after` in that order, at most `limit`. Terms are lower-cased words
   * (see wordsOf), so an anchored regex on the lower-cased `words` is exact.
   */
  search(conversationIds: string[], terms: string[], after: SearchPosition | null, limit: number): Promise<MessageDoc[]> {
    if (conversationIds.length === 0 || terms.length === 0) return Promise.resolve([]);
    const and: mongo.Filter<MessageDoc>[] = terms.map((t) => ({ words: { $regex: `^${escapeRegex(t)}` } }));
    if (after) {
      and.push({
        $or: [
          { createdAt: { $lt: after.createdAt } },
          { createdAt: after.createdAt, seq: { $lt: after.seq } },
          { createdAt: after.createdAt, seq: after.seq, _id: { $lt: after.id } },
        ],
      });
    }
    return this.messages
      .find({ conversationId: { $in: conversationIds }, deletedAt: null, $and: and })
      .sort({ createdAt: -1, seq: -1, _id: -1 })
      .limit(limit)
      .toArray();
  }
}
