import { z } from 'zod';
import { LIMITS } from './limits';
import {
  ContactSchema,
  ConversationSchema,
  MessageSchema,
  RemovedReasonSchema,
  UserSchema,
} from './models';
import type { ErrorBody } from './errors';
import { emojiString, Id, limit, messageText, nameString, searchQuery } from './validation';

/** Client → server requests: the payload each event takes (strict: extra fields are refused). */
export const RequestSchemas = {
  'user:search': z.strictObject({
    query: z.string().max(LIMITS.searchQueryMax),
    limit: limit(LIMITS.searchLimitMax, LIMITS.searchLimitDefault),
  }),
  'contact:list': z.strictObject({}),
  /** Extension: names and presence of users by id (co-members the client does not know yet). */
  'user:get': z.strictObject({ userIds: z.array(Id).min(1).max(LIMITS.userGetMax) }),
  'contact:add': z.strictObject({ userId: Id }),
  'contact:remove': z.strictObject({ userId: Id }),
  'conversation:list': z.strictObject({}),
  'conversation:direct': z.strictObject({ userId: Id }),
  'group:create': z.strictObject({
    name: nameString(LIMITS.groupNameMax),
    memberIds: z.array(Id).max(LIMITS.groupMembersPerCall),
  }),
  'group:rename': z.strictObject({ conversationId: Id, name: nameString(LIMITS.groupNameMax) }),
  'group:addMembers': z.strictObject({
    conversationId: Id,
    userIds: z.array(Id).min(1).max(LIMITS.groupMembersPerCall),
  }),
  'group:removeMember': z.strictObject({ conversationId: Id, userId: Id }),
  'group:setRole': z.strictObject({ conversationId: Id, userId: Id, role: z.enum(['admin', 'member']) }),
  'group:leave': z.strictObject({ conversationId: Id }),
  'group:delete': z.strictObject({ conversationId: Id }),
  /** v1.1: with `attachmentIds`, `text` may be empty (after trimming); without, it must not be blank (checked by messaging: see `sendable`). */
  'message:send': z.strictObject({
    conversationId: Id,
    text: messageText(LIMITS.textMax, { blankAllowed: true }),
    clientMsgId: z.string().min(1).max(LIMITS.clientMsgIdMax),
    /** v1.1: the message this one answers (same conversation). */
    replyTo: Id.optional(),
    /** v1.1: uploads of the caller's, each used once (`POST /api/v1/uploads`). */
    attachmentIds: z.array(Id).max(LIMITS.attachmentsPerMessage, `at most ${LIMITS.attachmentsPerMessage} attachments per message`).optional(),
  }),
  'message:edit': z.strictObject({ messageId: Id, text: messageText(LIMITS.textMax) }),
  'message:delete': z.strictObject({ messageId: Id }),
  /** v1.1: both idempotent. */
  'reaction:add': z.strictObject({ messageId: Id, emoji: emojiString(LIMITS.emojiMaxBytes) }),
  'reaction:remove': z.strictObject({ messageId: Id, emoji: emojiString(LIMITS.emojiMaxBytes) }),
  /** v1.1: newest first; `cursor` is the one the previous page answered. */
  'message:search': z.strictObject({
    query: searchQuery(LIMITS.messageSearchQueryMax),
    conversationId: Id.optional(),
    cursor: z.string().min(1).max(256).optional(),
    limit: limit(LIMITS.messageSearchLimitMax, LIMITS.messageSearchLimitDefault),
  }),
  'message:history': z.strictObject({
    conversationId: Id,
    beforeSeq: z.number().int().min(1).optional(),
    afterSeq: z.number().int().min(0).optional(),
    limit: limit(LIMITS.historyLimitMax, LIMITS.historyLimitDefault),
  }),
  'conversation:read': z.strictObject({ conversationId: Id, seq: z.number().int().min(0) }),
  /** v1.1: every member's read marker, so receipts survive a reload. */
  'read:list': z.strictObject({ conversationId: Id }),
  /** v1.1: the caller's own setting; idempotent. */
  'conversation:mute': z.strictObject({ conversationId: Id, muted: z.boolean() }),
  typing: z.strictObject({ conversationId: Id, typing: z.boolean() }),
  /** v1.1: blocking; both idempotent, yourself is VALIDATION_FAILED. */
  'user:block': z.strictObject({ userId: Id }),
  'user:unblock': z.strictObject({ userId: Id }),
  'user:blocked': z.strictObject({}),
} as const;

export type RequestEvent = keyof typeof RequestSchemas;
export type RequestPayload<E extends RequestEvent> = z.input<(typeof RequestSchemas)[E]>;
export type ParsedRequest<E extends RequestEvent> = z.output<(typeof RequestSchemas)[E]>;
export const REQUEST_EVENTS = Object.keys(RequestSchemas) as RequestEvent[];

const Empty = z.object({});
const OneConversation = z.object({ conversation: ConversationSchema });
const OneMessage = z.object({ message: MessageSchema });

/** What each request's ack carries in `data` when ok. */
export const AckSchemas = {
  'user:search': z.object({ users: z.array(UserSchema) }),
  'contact:list': z.object({ contacts: z.array(ContactSchema) }),
  'user:get': z.object({ users: z.array(ContactSchema) }),
  'contact:add': Empty,
  'contact:remove': Empty,
  'conversation:list': z.object({ conversations: z.array(ConversationSchema) }),
  'conversation:direct': OneConversation,
  'group:create': OneConversation,
  'group:rename': OneConversation,
  'group:addMembers': OneConversation,
  'group:removeMember': OneConversation,
  'group:setRole': OneConversation,
  'group:leave': Empty,
  'group:delete': Empty,
  'message:send': OneMessage,
  'message:edit': OneMessage,
  'message:delete': OneMessage,
  'reaction:add': OneMessage,
  'reaction:remove': OneMessage,
  'message:search': z.object({ messages: z.array(MessageSchema), cursor: z.string().nullable() }),
  'message:history': z.object({ messages: z.array(MessageSchema), hasMore: z.boolean() }),
  'conversation:read': Empty,
  'read:list': z.object({ reads: z.array(z.object({ userId: z.string(), seq: z.number().int() })) }),
  'conversation:mute': Empty,
  typing: Empty,
  'user:block': Empty,
  'user:unblock': Empty,
  'user:blocked': z.object({ users: z.array(UserSchema) }),
} as const satisfies Record<RequestEvent, z.ZodType>;

export type AckData<E extends RequestEvent> = z.infer<(typeof AckSchemas)[E]>;
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

/** Server → client pushes. */
export const PushSchemas = {
  'message:new': OneMessage,
  'message:updated': OneMessage,
  'conversation:updated': OneConversation,
  'conversation:removed': z.object({ conversationId: z.string(), reason: RemovedReasonSchema }),
  'presence:update': z.object({ userId: z.string(), online: z.boolean(), lastSeenAt: z.string().nullable() }),
  typing: z.object({ conversationId: z.string(), userId: z.string(), typing: z.boolean() }),
  'read:update': z.object({ conversationId: z.string(), userId: z.string(), seq: z.number().int() }),
  /** v1.1: a user's profile changed (to their own sockets and whoever gets their presence:update). */
  'user:updated': z.object({ user: UserSchema }),
  /** v1.1: the caller's conversation settings changed on another of their sockets. */
  'conversation:prefs': z.object({ conversationId: z.string(), muted: z.boolean() }),
  /** Extension: the server is going away (drain); reconnect, possibly to another replica. */
  'server:draining': z.object({}),
} as const;

export type PushEvent = keyof typeof PushSchemas;
export type PushPayload<E extends PushEvent> = z.infer<(typeof PushSchemas)[E]>;
export const PUSH_EVENTS = Object.keys(PushSchemas) as PushEvent[];

/** Typed maps for socket.io's generics (client and server). */
export type ServerToClientEvents = { [E in PushEvent]: (payload: PushPayload<E>) => void };
export type ClientToServerEvents = {
  [E in RequestEvent]: (payload: RequestPayload<E>, ack?: (ack: Ack<AckData<E>>) => void) => void;
};

/** Socket.IO transport limits (extension): frames larger than this close the socket. */
export const SOCKET_MAX_FRAME_BYTES = 64 * 1024;
export const REST_MAX_BODY = '32kb';
