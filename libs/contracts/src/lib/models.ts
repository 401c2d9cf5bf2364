import { z } from 'zod';

export const ROLES = ['owner', 'admin', 'member'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

export const UserSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  /** v1.1: a stable URL that needs no token and changes whenever the avatar does; null without one (and from a v1 server). */
  avatarUrl: z.string().nullable().default(null),
});
export type User = z.infer<typeof UserSchema>;

export const ContactSchema = UserSchema.extend({
  online: z.boolean(),
  lastSeenAt: z.string().nullable(),
});
export type Contact = z.infer<typeof ContactSchema>;

export const MemberSchema = z.object({ userId: z.string(), role: RoleSchema });
export type Member = z.infer<typeof MemberSchema>;

/** v1.1: the message a message answers, with the first 200 code points of its current text. */
export const ReplyToSchema = z.object({
  messageId: z.string(),
  seq: z.number().int(),
  senderId: z.string(),
  excerpt: z.string(),
  deleted: z.boolean(),
});
export type ReplyTo = z.infer<typeof ReplyToSchema>;
/** Code points of the original's text a reply quotes. */
export const REPLY_EXCERPT_MAX = 200;

/** v1.1: one emoji and who holds it, in order of reacting. */
export const ReactionSchema = z.object({ emoji: z.string(), userIds: z.array(z.string()) });
export type Reaction = z.infer<typeof ReactionSchema>;

/**
 * v1.1: a file sent with a message. `contentType` is sniffed from the bytes; `url` and
 * `thumbnailUrl` are signed and expire (every answer carries freshly signed ones).
 */
export const AttachmentSchema = z.object({
  id: z.string(),
  name: z.string(),
  size: z.number().int(),
  contentType: z.string(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  url: z.string(),
  thumbnailUrl: z.string().nullable(),
});
export type Attachment = z.infer<typeof AttachmentSchema>;

export const MessageSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  seq: z.number().int(),
  senderId: z.string(),
  text: z.string(),
  clientMsgId: z.string(),
  createdAt: z.string(),
  editedAt: z.string().nullable(),
  deletedAt: z.string().nullable(),
  replyTo: ReplyToSchema.nullable(),
  mentions: z.array(z.string()),
  reactions: z.array(ReactionSchema),
  attachments: z.array(AttachmentSchema),
});
export type Message = z.infer<typeof MessageSchema>;

export const ConversationTypeSchema = z.enum(['direct', 'group']);
export type ConversationType = z.infer<typeof ConversationTypeSchema>;

export const ConversationSchema = z.object({
  id: z.string(),
  type: ConversationTypeSchema,
  name: z.string().nullable(),
  members: z.array(MemberSchema),
  lastSeq: z.number().int(),
  lastMessage: MessageSchema.nullable(),
  unread: z.number().int(),
  /** v1.1, for the caller: messages from others above the read marker that mention the caller. */
  mentions: z.number().int(),
  /** v1.1, for the caller. */
  muted: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Conversation = z.infer<typeof ConversationSchema>;

export const RemovedReasonSchema = z.enum(['left', 'removed', 'deleted']);
export type RemovedReason = z.infer<typeof RemovedReasonSchema>;

/**
 * A message's id is its conversation's id and its seq (`<conversationId>-<seq>`):
 * unique by construction, so the unique index on it also fences seq, and a
 * gateway can route an edit or delete to the conversation's partition without
 * a lookup. Clients treat it as opaque.
 */
export function messageId(conversationId: string, seq: number): string {
  return `${conversationId}-${seq}`;
}

/** The conversation of a message id, or null when the id is not one of ours. */
export function conversationOfMessage(id: string): string | null {
  const cut = id.lastIndexOf('-');
  if (cut <= 0 || !/^[1-9][0-9]*$/.test(id.slice(cut + 1))) return null;
  return id.slice(0, cut);
}

/** conversation:list's order: newest activity (updatedAt) first, then by id, so ties keep one order everywhere. */
export function newestFirst(a: Pick<Conversation, 'id' | 'updatedAt'>, b: Pick<Conversation, 'id' | 'updatedAt'>): number {
  return a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : a.id < b.id ? -1 : 1;
}
