import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, mongo } from 'mongoose';
import { CONVERSATION_MODEL, type ConversationDoc } from './store.schema';

/** The only code that touches the membership projection. */
@Injectable()
export class ConversationsRepository {
  private readonly conversations: mongo.Collection<ConversationDoc>;

  constructor(@InjectModel(CONVERSATION_MODEL) model: Model<ConversationDoc>) {
    this.conversations = model.collection as unknown as mongo.Collection<ConversationDoc>;
  }

  find(id: string): Promise<ConversationDoc | null> {
    return this.conversations.findOne({ _id: id });
  }

  /** The user's conversations (deleted ones have no members). */
  /** The direct conversations of a pair (one, normally). */
  findDirect(a: string, b: string): Promise<ConversationDoc[]> {
    return this.conversations.find({ memberIds: { $all: [a, b] }, type: 'direct' }).toArray();
  }

  findForMember(userId: string): Promise<ConversationDoc[]> {
    return this.conversations.find({ memberIds: userId }).toArray();
  }

  /** Writes the whole projected state (its one writer is the consumer of conversation events). */
  async save(doc: ConversationDoc): Promise<void> {
    await this.conversations.replaceOne({ _id: doc._id }, doc, { upsert: true });
  }
}
