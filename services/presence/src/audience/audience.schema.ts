import { Schema } from 'mongoose';

/** Presence's own copy of a conversation's membership (from `conversation.changed` / `conversation.deleted`). */
export interface ConversationDoc {
  _id: string;
  memberIds: string[];
  version: number;
  /** A deleted conversation stays as a tombstone, so a late, older change cannot bring it back. */
  deleted: boolean;
}

export const ConversationSchema = new Schema<ConversationDoc>(
  {
    _id: { type: String, required: true },
    memberIds: { type: [String], default: [] },
    version: { type: Number, required: true },
    deleted: { type: Boolean, default: false },
  },
  { collection: 'presence_conversations', versionKey: false },
);

/** `ownerId` has `contactId` as a contact, so wants `contactId`'s presence. */
export interface ContactDoc {
  _id: string;
  ownerId: string;
  contactId: string;
}

export const ContactSchema = new Schema<ContactDoc>(
  {
    _id: { type: String, required: true },
    ownerId: { type: String, required: true },
    contactId: { type: String, required: true },
  },
  { collection: 'presence_contacts', versionKey: false },
);
ContactSchema.index({ contactId: 1 });

/** v1.1: `blockerId` blocks `blockedId`, who then gets none of the blocker's presence or typing. */
export interface BlockDoc {
  _id: string;
  blockerId: string;
  blockedId: string;
}

export const BlockSchema = new Schema<BlockDoc>(
  {
    _id: { type: String, required: true },
    blockerId: { type: String, required: true },
    blockedId: { type: String, required: true },
  },
  { collection: 'presence_blocks', versionKey: false },
);

export const CONVERSATION_MODEL = 'PresenceConversation';
export const BLOCK_MODEL = 'PresenceBlock';
export const CONTACT_MODEL = 'PresenceContact';
