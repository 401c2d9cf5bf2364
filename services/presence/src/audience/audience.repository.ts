import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { BLOCK_MODEL, CONTACT_MODEL, CONVERSATION_MODEL, type BlockDoc, type ContactDoc, type ConversationDoc } from './audience.schema';

export interface StoredConversation {
  id: string;
  memberIds: string[];
  version: number;
  deleted: boolean;
}

export interface StoredContact {
  ownerId: string;
  contactId: string;
}

export interface StoredBlock {
  blockerId: string;
  blockedId: string;
}

/** The only code that touches the membership and contact projections. */
@Injectable()
export class AudienceRepository {
  constructor(
    @InjectModel(CONVERSATION_MODEL) private readonly conversations: Model<ConversationDoc>,
    @InjectModel(CONTACT_MODEL) private readonly contacts: Model<ContactDoc>,
    @InjectModel(BLOCK_MODEL) private readonly blocks: Model<BlockDoc>,
  ) {}

  async allBlocks(): Promise<StoredBlock[]> {
    const docs = await this.blocks.find({}, { blockerId: 1, blockedId: 1 }).lean();
    return docs.map((d) => ({ blockerId: d.blockerId, blockedId: d.blockedId }));
  }

  async setBlock(blockerId: string, blockedId: string, blocked: boolean): Promise<void> {
    const _id = `${blockerId}/${blockedId}`;
    if (blocked) await this.blocks.updateOne({ _id }, { $set: { blockerId, blockedId } }, { upsert: true });
    else await this.blocks.deleteOne({ _id });
  }

  async allConversations(): Promise<StoredConversation[]> {
    const docs = await this.conversations.find({}).lean();
    return docs.map((d) => ({ id: d._id, memberIds: d.memberIds, version: d.version, deleted: d.deleted }));
  }

  async allContacts(): Promise<StoredContact[]> {
    const docs = await this.contacts.find({}, { ownerId: 1, contactId: 1 }).lean();
    return docs.map((d) => ({ ownerId: d.ownerId, contactId: d.contactId }));
  }

  /** Stores a conversation's state unless a newer version is already there. */
  async saveConversation(c: StoredConversation): Promise<void> {
    try {
      await this.conversations.updateOne(
        { _id: c.id, version: { $lt: c.version } },
        { $set: { memberIds: c.memberIds, version: c.version, deleted: c.deleted } },
        { upsert: true },
      );
    } catch (err) {
      // The upsert collided with a stored version that is not older: nothing to do.
      if ((err as { code?: number }).code !== 11000) throw err;
    }
  }

  async addContact(ownerId: string, contactId: string): Promise<void> {
    await this.contacts.updateOne({ _id: `${ownerId}/${contactId}` }, { $set: { ownerId, contactId } }, { upsert: true });
  }

  async removeContact(ownerId: string, contactId: string): Promise<void> {
    await this.contacts.deleteOne({ _id: `${ownerId}/${contactId}` });
  }
}
