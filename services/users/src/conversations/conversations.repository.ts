import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { isDuplicateKey } from '../users/users.repository';
import { CONVERSATION_MODEL, type ConversationDoc } from './conversations.schema';

/** The only code that touches the conversations collection. */
@Injectable()
export class ConversationsRepository {
  constructor(@InjectModel(CONVERSATION_MODEL) private readonly model: Model<ConversationDoc>) {}

  findById(id: string): Promise<ConversationDoc | null> {
    return this.model.findById(id).lean<ConversationDoc>().exec();
  }

  findByDirectKey(directKey: string): Promise<ConversationDoc | null> {
    return this.model.findOne({ directKey }).lean<ConversationDoc>().exec();
  }

  /** Inserts a new conversation; false when its id or direct key exists already. */
  async insert(doc: ConversationDoc): Promise<boolean> {
    try {
      await this.model.create(doc);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /** Writes the next state if nobody changed it since `expectedVersion` was read; false otherwise. */
  async replace(doc: ConversationDoc, expectedVersion: number): Promise<boolean> {
    const { _id, ...rest } = doc;
    const res = await this.model.updateOne({ _id, version: expectedVersion }, { $set: rest }).exec();
    return res.matchedCount === 1;
  }

  async markPublished(id: string, version: number): Promise<void> {
    await this.model.updateOne({ _id: id, version }, { $set: { publishedVersion: version, outbox: null } }).exec();
  }

  async remove(id: string, version: number): Promise<void> {
    await this.model.deleteOne({ _id: id, version }).exec();
  }

  async groupIdsOf(userId: string): Promise<string[]> {
    const docs = await this.model.find({ type: 'group', deleted: false, 'members.userId': userId }, { _id: 1 }).lean<Pick<ConversationDoc, '_id'>[]>().exec();
    return docs.map((d) => d._id);
  }
}
