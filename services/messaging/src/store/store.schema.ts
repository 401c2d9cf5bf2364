import { Schema } from 'mongoose';
import type { AttachmentRecord } from '@chat/contracts/bus';
import type { ConversationType, Role } from '@chat/contracts';

/*
 * Messaging's three collections. One rule shapes them: every document has one
 * writer at a time. FerretDB v1 (the embedded default) applies an update as
 * read-modify-write without isolation, so two processes updating the same
 * document lose each other's changes (measured: 200 concurrent $inc on one
 * document kept 33; 20 concurrent compare-and-set updates reported 23
 * winners over 20 rounds). Only a unique index, checked by SQLite on write,
 * fences reliably. Hence:
 *   - `messaging_conversations` (the membership projection) is written only by
 *     the consumer of the users service's conversation events;
 *   - `messaging_timelines` (seq, last message, read markers) only by the
 *     owner of the conversation's messaging-commands partition;
 *   - `messages` only by that owner too, with seq fenced by the unique `_id`
 *     (`<conversationId>-<seq>`) and idempotency by the unique
 *     (conversationId, senderId, clientMsgId) index.
 */

export const CONVERSATION_MODEL = 'MessagingConversation';
export const TIMELINE_MODEL = 'MessagingTimeline';
export const MESSAGE_MODEL = 'Message';
export const BLOCK_MODEL = 'MessagingBlock';
export const USER_MODEL = 'MessagingUser';

export interface MemberDoc {
  userId: string;
  role: Role;
  /** ISO time from the users service; a new value means a new membership (left and came back). */
  joinedAt: string;
  /** The conversation's lastSeq when this membership began: the read marker it starts with. */
  joinSeq: number;
  /** How many of the conversation's messages up to joinSeq this member sent (for unread). */
  joinOwn: number;
}

/** The projection of a conversation's membership, from `conversation.changed` / `conversation.deleted`. */
export interface ConversationDoc {
  _id: string;
  type: ConversationType;
  name: string | null;
  members: MemberDoc[];
  /** The members' ids, for the list query (an index on an array field). */
  memberIds: string[];
  createdAt: Date;
  /** The users service's time of the last rename or membership change. */
  updatedAt: Date;
  /** The users service's version; only a higher one is applied. */
  version: number;
  deleted: boolean;
}

/**
 * The message a reply answers. `excerpt` and `deleted` are what the original
 * was when last written here: answers read the original again (history,
 * search, pushes), and the copy in a timeline's lastMessage is kept current by
 * the owner when the original changes.
 */
export interface ReplyRefDoc {
  messageId: string;
  seq: number;
  senderId: string;
  excerpt: string;
  deleted: boolean;
}

export interface ReactionDoc {
  emoji: string;
  userIds: string[];
}

export interface MessageDoc {
  /** messageId(conversationId, seq): unique, so it fences seq. */
  _id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  text: string;
  clientMsgId: string;
  createdAt: Date;
  editedAt: Date | null;
  deletedAt: Date | null;
  /** v1.1 fields: absent on messages stored before them (read as none). */
  replyTo?: ReplyRefDoc | null;
  mentions?: string[];
  reactions?: ReactionDoc[];
  /** The current text's words (wordsOf), what search matches; empty once deleted. */
  words?: string[];
  /** v1.1 files: what media answered when the send claimed its uploads (URLs are signed when shown); empty once deleted. */
  attachments?: AttachmentRecord[];
}

/** Messaging's copy of the usernames (from `user.registered`), to find `@username` mentions. */
export interface UserDoc {
  _id: string;
  username: string;
}

/** A member's read marker: the seq read and how many of the messages up to it were their own. */
export interface ReadDoc {
  seq: number;
  own: number;
  /** The membership (its joinedAt) the marker belongs to; a marker of an earlier membership is void. */
  joinedAt: string;
}

/** What the conversation's messages add up to, kept by the owner of its partition. */
export interface TimelineDoc {
  _id: string;
  lastSeq: number;
  lastMessage: MessageDoc | null;
  lastAt: Date | null;
  /** Messages sent per member (user ids as keys: ids are [A-Za-z0-9_-]). */
  sent: Record<string, number>;
  reads: Record<string, ReadDoc>;
  /** Per member, seqs of messages from others whose current mentions include them, ascending; seqs at or below their read marker are dropped as they read. */
  mentioned: Record<string, number[]>;
  /** Members who muted the conversation, with the membership (joinedAt) they muted it in. */
  muted: Record<string, string>;
}

const MemberMongoSchema = new Schema<MemberDoc>(
  {
    userId: { type: String, required: true },
    role: { type: String, required: true },
    joinedAt: { type: String, required: true },
    joinSeq: { type: Number, required: true },
    joinOwn: { type: Number, required: true },
  },
  { _id: false },
);

export const ConversationMongoSchema = new Schema<ConversationDoc>(
  {
    _id: { type: String, required: true },
    type: { type: String, required: true },
    name: { type: String, default: null },
    members: { type: [MemberMongoSchema], required: true },
    memberIds: { type: [String], required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true },
    deleted: { type: Boolean, required: true },
  },
  { versionKey: false, collection: 'messaging_conversations', minimize: false },
);
ConversationMongoSchema.index({ memberIds: 1, updatedAt: -1 });

export const TimelineMongoSchema = new Schema<TimelineDoc>(
  {
    _id: { type: String, required: true },
    lastSeq: { type: Number, required: true },
    lastMessage: { type: Schema.Types.Mixed, default: null },
    lastAt: { type: Date, default: null },
    sent: { type: Schema.Types.Mixed, required: true },
    reads: { type: Schema.Types.Mixed, required: true },
    mentioned: { type: Schema.Types.Mixed, default: {} },
    muted: { type: Schema.Types.Mixed, default: {} },
  },
  { versionKey: false, collection: 'messaging_timelines', minimize: false },
);

export const MessageMongoSchema = new Schema<MessageDoc>(
  {
    _id: { type: String, required: true },
    conversationId: { type: String, required: true },
    seq: { type: Number, required: true },
    senderId: { type: String, required: true },
    text: { type: String, default: '' },
    clientMsgId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    editedAt: { type: Date, default: null },
    deletedAt: { type: Date, default: null },
    replyTo: { type: Schema.Types.Mixed, default: null },
    mentions: { type: [String], default: [] },
    reactions: { type: Schema.Types.Mixed, default: [] },
    attachments: { type: Schema.Types.Mixed, default: [] },
    words: { type: [String], default: [] },
  },
  { versionKey: false, collection: 'messages' },
);
// Idempotency: a retried send finds its original through this index's violation.
MessageMongoSchema.index({ conversationId: 1, senderId: 1, clientMsgId: 1 }, { unique: true });
// History in both directions (a range on seq within one conversation, either sort order).
MessageMongoSchema.index({ conversationId: 1, seq: 1 });

/** Messaging's copy of one block (from `block.changed`): `_id` is `<blockerId>:<blockedId>`. */
export interface BlockDoc {
  _id: string;
  blockerId: string;
  blockedId: string;
}

export const BlockMongoSchema = new Schema<BlockDoc>(
  {
    _id: { type: String, required: true },
    blockerId: { type: String, required: true },
    blockedId: { type: String, required: true },
  },
  { versionKey: false, collection: 'messaging_blocks' },
);
// Search: each term is an anchored prefix of a lower-cased word, which MongoDB answers from this
// multikey index as one key range per searched conversation (FerretDB's SQLite backend scans instead; see the README).
MessageMongoSchema.index({ conversationId: 1, words: 1 });

export const UserMongoSchema = new Schema<UserDoc>(
  {
    _id: { type: String, required: true },
    username: { type: String, required: true },
  },
  { versionKey: false, collection: 'messaging_users' },
);
UserMongoSchema.index({ username: 1 });
