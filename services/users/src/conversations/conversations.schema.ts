import { Schema } from 'mongoose';
import type { ConversationType, Role } from '@chat/contracts';
import type { EventPayload } from '@chat/contracts/bus';

export const CONVERSATION_MODEL = 'Conversation';

export interface MemberDoc {
  userId: string;
  role: Role;
  /** ISO time; the longest-standing member is the earliest (array order breaks ties). */
  joinedAt: string;
}

/**
 * The event a change owes, kept in the changed document itself (an outbox of
 * one): the change and its event are written atomically, and whoever finds
 * `publishedVersion < version` later (a retry, the next command) sends it.
 */
export type Outbox =
  | { kind: 'changed'; change: EventPayload<'conversation.changed'>['change']; actorId: string; removed: EventPayload<'conversation.changed'>['removed'] }
  | { kind: 'deleted'; actorId: string; memberIds: string[] };

export interface ConversationDoc {
  _id: string;
  type: ConversationType;
  name: string | null;
  members: MemberDoc[];
  /** `a:b` (sorted pair) for a direct conversation, `g:<id>` for a group: unique either way (no partial indexes on FerretDB). */
  directKey: string;
  createdAt: string;
  updatedAt: string;
  /** Rises with every change; updates are conditioned on the version read. */
  version: number;
  publishedVersion: number;
  outbox: Outbox | null;
  /** A deleted group waits as a tombstone only until its `conversation.deleted` is out. */
  deleted: boolean;
}

const MemberMongoSchema = new Schema<MemberDoc>(
  {
    userId: { type: String, required: true },
    role: { type: String, required: true },
    joinedAt: { type: String, required: true },
  },
  { _id: false },
);

export const ConversationMongoSchema = new Schema<ConversationDoc>(
  {
    _id: { type: String, required: true },
    type: { type: String, required: true },
    name: { type: String, default: null },
    members: { type: [MemberMongoSchema], required: true },
    directKey: { type: String, required: true },
    createdAt: { type: String, required: true },
    updatedAt: { type: String, required: true },
    version: { type: Number, required: true },
    publishedVersion: { type: Number, required: true },
    outbox: { type: Schema.Types.Mixed, default: null },
    deleted: { type: Boolean, required: true, default: false },
  },
  { versionKey: false, collection: 'conversations', minimize: false },
);
ConversationMongoSchema.index({ directKey: 1 }, { unique: true });
