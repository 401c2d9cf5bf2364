import { z } from 'zod';
import {
  AckSchemas,
  AttachmentSchema,
  AuthResultSchema,
  ConversationSchema,
  ConversationTypeSchema,
  ERROR_CODES,
  Id,
  IdempotencyKeySchema,
  LoginBodySchema,
  MessageSchema,
  PushSchemas,
  RegisterBodySchema,
  RemovedReasonSchema,
  RequestSchemas,
  RoleSchema,
  SessionsResultSchema,
  UpdateMeBodySchema,
  USER_AGENT_MAX,
  UserSchema,
  type PushEvent,
} from '@chat/contracts';

/**
 * The most a reply or event payload may take as JSON: half the broker's default
 * message limit (1 MB), leaving room for the envelope. Replies that could grow past
 * it (history pages) are cut to fit and say `hasMore`.
 */
export const MAX_PAYLOAD_BYTES = 512 * 1024;

/**
 * A field sealed with @chat/platform-sealing (AES-256-GCM): passwords and tokens cross
 * the bus only this way, so no broker log, replica or dead letter holds them in clear.
 */
export const SealedSchema = z
  .string()
  .max(4096)
  .regex(/^s1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'not a sealed field');

/** What each sealed field is sealed for: bound to its ciphertext, so it opens nowhere else. */
export const SEALED = {
  registerPassword: 'auth.register/password',
  loginPassword: 'auth.login/password',
  refreshToken: 'auth.refresh/refreshToken',
  logoutRefreshToken: 'auth.logout/refreshToken',
  sessionAccessToken: 'auth.session/accessToken',
  sessionRefreshToken: 'auth.session/refreshToken',
  currentPassword: 'auth.password/currentPassword',
  newPassword: 'auth.password/newPassword',
  deletePassword: 'auth.delete/password',
} as const;

/** Registration as auth handles it once the password is opened: the REST body and the client's address. */
/** The client's User-Agent, cut to what a session keeps (sessions list). */
const UserAgent = z.string().max(USER_AGENT_MAX).optional();
export const RegisterCommandSchema = RegisterBodySchema.extend({ address: z.string(), userAgent: UserAgent });
export type RegisterCommand = z.output<typeof RegisterCommandSchema>;
/** Login as auth handles it once the password is opened. */
export const LoginCommandSchema = LoginBodySchema.extend({ address: z.string(), userAgent: UserAgent });
export type LoginCommand = z.output<typeof LoginCommandSchema>;
/** A started or refreshed session as auth makes it, before its tokens are sealed for the reply. */
export const SessionAnswerSchema = AuthResultSchema.extend({ sessionId: z.string() });
export type SessionAnswer = z.output<typeof SessionAnswerSchema>;
/**
 * v1.1 files: what a message keeps of an attachment (media's record, without
 * URLs); messaging signs `url` and `thumbnailUrl` whenever it shows the message.
 */
export const AttachmentRecordSchema = AttachmentSchema.omit({ url: true, thumbnailUrl: true }).extend({ thumbnail: z.boolean() });
export type AttachmentRecord = z.infer<typeof AttachmentRecordSchema>;
const SealedSessionSchema = SessionAnswerSchema.extend({ accessToken: SealedSchema, refreshToken: SealedSchema });

/**
 * Every Kafka topic of the platform. Names are versioned; a deployment may put
 * a namespace in front of all of them (KAFKA_NAMESPACE), which is how test runs
 * share a broker without seeing each other.
 */
export const TOPICS = {
  /** Commands (request-reply), keyed by the entity that orders them. */
  authCommands: 'chat.auth.commands.v1',
  usersCommands: 'chat.users.commands.v1',
  messagingCommands: 'chat.messaging.commands.v1',
  presenceCommands: 'chat.presence.commands.v1',
  /** v1.1 files: claims of uploads (keyed by uploader) and releases of their bytes. */
  mediaCommands: 'chat.media.commands.v1',
  /** Replies to commands, keyed by the asking process's reply key (its id, maybe with a suffix: replyKey). */
  replies: 'chat.replies.v1',
  /** Facts. */
  userEvents: 'chat.user.events.v1',
  conversationEvents: 'chat.conversation.events.v1',
  contactEvents: 'chat.contact.events.v1',
  sessionEvents: 'chat.session.events.v1',
  gatewayEvents: 'chat.gateway.events.v1',
  typing: 'chat.typing.v1',
  /** What gateways push to sockets. */
  deliveries: 'chat.deliveries.v1',
  /** Messages no handler could accept (bad envelope or payload). */
  deadLetters: 'chat.dead-letters.v1',
} as const;
export type TopicKey = keyof typeof TOPICS;
export type TopicName = (typeof TOPICS)[TopicKey];

/** Partition counts (overridable per deployment through KAFKA_PARTITIONS). */
export const DEFAULT_PARTITIONS: Record<TopicKey, number> = {
  authCommands: 4,
  usersCommands: 4,
  messagingCommands: 8,
  presenceCommands: 2,
  mediaCommands: 2,
  /** Gateways' replies on the lower half, the other services' on the upper (replyKey in @chat/platform-kafka). */
  replies: 8,
  userEvents: 2,
  conversationEvents: 4,
  contactEvents: 2,
  sessionEvents: 1,
  gatewayEvents: 2,
  typing: 2,
  /** Routed: each gateway reads the partition of its own id and the broadcast key's, so more partitions spread gateways apart. */
  deliveries: 16,
  deadLetters: 1,
};

/** The one envelope every Kafka message carries. */
export const EnvelopeSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  version: z.number().int().min(1),
  time: z.string(),
  correlationId: z.string().min(1),
  /** For commands: the process id a reply goes back to. */
  replyTo: z.string().optional(),
  payload: z.unknown(),
});
export type Envelope<P = unknown> = Omit<z.infer<typeof EnvelopeSchema>, 'payload'> & { payload: P };

export const ReplyPayloadSchema = z.union([
  z.object({ inReplyTo: z.string(), ok: z.literal(true), data: z.unknown() }),
  z.object({
    inReplyTo: z.string(),
    ok: z.literal(false),
    error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }),
  }),
]);
export type ReplyPayload = z.infer<typeof ReplyPayloadSchema>;

const Actor = { actorId: Id };
/** A gateway's request: the socket payload plus the authenticated caller. */
// Generic over the shape, not the schema: `S extends z.ZodObject` widens S's shape and the parsed type becomes unknown.
const asCommand = <Shape extends z.ZodRawShape, Config extends z.core.$ZodObjectConfig>(s: z.ZodObject<Shape, Config>) => s.extend(Actor);

/** A request about one message: the gateway adds its conversation (from the message id) and keys it by that. */
const aboutMessage = <Shape extends z.ZodRawShape, Config extends z.core.$ZodObjectConfig, Reply extends z.ZodType>(s: z.ZodObject<Shape, Config>, reply: Reply) => ({
  topic: TOPICS.messagingCommands,
  request: asCommand(s).extend({ conversationId: Id }),
  reply,
});

const ConversationCore = z.object({
  id: z.string(),
  type: ConversationTypeSchema,
  name: z.string().nullable(),
  members: z.array(z.object({ userId: z.string(), role: RoleSchema, joinedAt: z.string() })),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Rises with every change; projections keep the highest. */
  version: z.number().int(),
});
export type ConversationCore = z.infer<typeof ConversationCore>;
export { ConversationCore as ConversationCoreSchema };

/**
 * The key of a pair's direct conversation: the same whoever asks, so both
 * users' requests share a partition and the users service stores one
 * conversation per pair.
 */
export function directPairKey(a: string, b: string): string {
  return [a, b].sort().join(':');
}

/**
 * Commands: type → topic, request payload, reply data. The gateway sends them,
 * the owning service answers; both sides parse with the same schemas.
 */
export const COMMANDS = {
  'auth.register': {
    topic: TOPICS.authCommands,
    request: RegisterCommandSchema.extend({ password: SealedSchema }),
    reply: SealedSessionSchema,
  },
  'auth.login': {
    topic: TOPICS.authCommands,
    request: LoginCommandSchema.extend({ password: SealedSchema }),
    reply: SealedSessionSchema,
  },
  'auth.refresh': {
    topic: TOPICS.authCommands,
    /** requestKey: the client's Idempotency-Key, when it sent one (a retry of a lost answer reuses it). */
    request: z.object({ refreshToken: SealedSchema, address: z.string(), userAgent: UserAgent, requestKey: IdempotencyKeySchema.optional() }),
    reply: SealedSessionSchema,
  },
  'auth.logout': {
    topic: TOPICS.authCommands,
    request: z.object({ actorId: Id, sessionId: z.string(), refreshToken: SealedSchema.optional(), all: z.boolean().optional() }),
    reply: z.object({}),
  },
  /** v1.1: both passwords sealed; every other session of the actor ends. */
  'auth.password': {
    topic: TOPICS.authCommands,
    request: z.object({ actorId: Id, sessionId: z.string(), currentPassword: SealedSchema, newPassword: SealedSchema, address: z.string() }),
    reply: z.object({}),
  },
  'auth.sessions': {
    topic: TOPICS.authCommands,
    request: z.object({ actorId: Id, sessionId: z.string() }),
    reply: SessionsResultSchema,
  },
  /** Ends one of the actor's sessions; another user's is NOT_FOUND. */
  'auth.endSession': {
    topic: TOPICS.authCommands,
    request: z.object({ actorId: Id, targetId: z.string().min(1).max(64) }),
    reply: z.object({}),
  },
  /** v1.1 account deletion: the password sealed, checked as login checks it. */
  'auth.delete': {
    topic: TOPICS.authCommands,
    request: z.object({ actorId: Id, password: SealedSchema, address: z.string() }),
    reply: z.object({}),
  },
  'users.create': {
    topic: TOPICS.usersCommands,
    request: z.object({ id: Id, username: z.string(), displayName: z.string() }),
    reply: z.object({ user: UserSchema }),
  },
  'users.get': { topic: TOPICS.usersCommands, request: z.object({ userId: Id }), reply: z.object({ user: UserSchema }) },
  'users.update': { topic: TOPICS.usersCommands, request: UpdateMeBodySchema.extend(Actor), reply: z.object({ user: UserSchema }) },
  /** Sent by auth once the password is checked: the profile becomes "Deleted user" and every tie goes. */
  'users.delete': { topic: TOPICS.usersCommands, request: z.object({ actorId: Id }), reply: z.object({}) },
  /** What the users service holds of the actor, for the export. */
  'users.export': {
    topic: TOPICS.usersCommands,
    request: z.object({ actorId: Id }),
    reply: z.object({ user: UserSchema, contacts: z.array(UserSchema), blocked: z.array(UserSchema) }),
  },
  'blocks.add': { topic: TOPICS.usersCommands, request: asCommand(RequestSchemas['user:block']), reply: AckSchemas['user:block'] },
  'blocks.remove': { topic: TOPICS.usersCommands, request: asCommand(RequestSchemas['user:unblock']), reply: AckSchemas['user:unblock'] },
  'blocks.list': { topic: TOPICS.usersCommands, request: asCommand(RequestSchemas['user:blocked']), reply: AckSchemas['user:blocked'] },
  'users.many': { topic: TOPICS.usersCommands, request: asCommand(RequestSchemas['user:get']), reply: z.object({ users: z.array(UserSchema) }) },
  'users.search': { topic: TOPICS.usersCommands, request: asCommand(RequestSchemas['user:search']), reply: AckSchemas['user:search'] },
  'contacts.list': {
    topic: TOPICS.usersCommands,
    request: asCommand(RequestSchemas['contact:list']),
    reply: z.object({ contacts: z.array(UserSchema) }),
  },
  'contacts.add': { topic: TOPICS.usersCommands, request: asCommand(RequestSchemas['contact:add']), reply: AckSchemas['contact:add'] },
  'contacts.remove': { topic: TOPICS.usersCommands, request: asCommand(RequestSchemas['contact:remove']), reply: AckSchemas['contact:remove'] },
  'conversations.direct': {
    topic: TOPICS.usersCommands,
    request: asCommand(RequestSchemas['conversation:direct']),
    reply: z.object({ conversation: ConversationCore }),
  },
  'groups.create': { topic: TOPICS.usersCommands, request: asCommand(RequestSchemas['group:create']), reply: z.object({ conversation: ConversationCore }) },
  'groups.rename': { topic: TOPICS.usersCommands, request: asCommand(RequestSchemas['group:rename']), reply: z.object({ conversation: ConversationCore }) },
  'groups.addMembers': { topic: TOPICS.usersCommands, request: asCommand(RequestSchemas['group:addMembers']), reply: z.object({ conversation: ConversationCore }) },
  'groups.removeMember': { topic: TOPICS.usersCommands, request: asCommand(RequestSchemas['group:removeMember']), reply: z.object({ conversation: ConversationCore }) },
  'groups.setRole': { topic: TOPICS.usersCommands, request: asCommand(RequestSchemas['group:setRole']), reply: z.object({ conversation: ConversationCore }) },
  'groups.leave': { topic: TOPICS.usersCommands, request: asCommand(RequestSchemas['group:leave']), reply: AckSchemas['group:leave'] },
  'groups.delete': { topic: TOPICS.usersCommands, request: asCommand(RequestSchemas['group:delete']), reply: AckSchemas['group:delete'] },
  'messages.send': { topic: TOPICS.messagingCommands, request: asCommand(RequestSchemas['message:send']), reply: AckSchemas['message:send'] },
  'messages.edit': aboutMessage(RequestSchemas['message:edit'], AckSchemas['message:edit']),
  'messages.delete': aboutMessage(RequestSchemas['message:delete'], AckSchemas['message:delete']),
  'reactions.add': aboutMessage(RequestSchemas['reaction:add'], AckSchemas['reaction:add']),
  'reactions.remove': aboutMessage(RequestSchemas['reaction:remove'], AckSchemas['reaction:remove']),
  /** Keyed by the caller: it reads stored messages and changes nothing. */
  'messages.search': { topic: TOPICS.messagingCommands, request: asCommand(RequestSchemas['message:search']), reply: AckSchemas['message:search'] },
  'messages.history': { topic: TOPICS.messagingCommands, request: asCommand(RequestSchemas['message:history']), reply: AckSchemas['message:history'] },
  'conversations.list': { topic: TOPICS.messagingCommands, request: asCommand(RequestSchemas['conversation:list']), reply: AckSchemas['conversation:list'] },
  /** The caller's view of one conversation (members from the projection, seq and unread). */
  'conversations.get': {
    topic: TOPICS.messagingCommands,
    request: z.object({ actorId: Id, conversationId: Id, minVersion: z.number().int().optional() }),
    reply: z.object({ conversation: ConversationSchema }),
  },
  'conversations.read': { topic: TOPICS.messagingCommands, request: asCommand(RequestSchemas['conversation:read']), reply: AckSchemas['conversation:read'] },
  /** Every message the actor sent, for the export. */
  'messages.export': { topic: TOPICS.messagingCommands, request: z.object({ actorId: Id }), reply: z.object({ messages: z.array(MessageSchema) }) },
  'conversations.reads': { topic: TOPICS.messagingCommands, request: asCommand(RequestSchemas['read:list']), reply: AckSchemas['read:list'] },
  /** `socketId`: the asking socket, which the conversation:prefs push skips. */
  'conversations.mute': {
    topic: TOPICS.messagingCommands,
    request: asCommand(RequestSchemas['conversation:mute']).extend({ socketId: z.string().max(64).optional() }),
    reply: AckSchemas['conversation:mute'],
  },
  /**
   * v1.1 files: messaging, at a send, takes the uploads into one message. Each
   * must be the actor's and unused, or already taken by this same send (a retry
   * with the same clientMsgId); anything else is VALIDATION_FAILED and takes
   * nothing. The reply is what the message keeps of each (URLs are signed when
   * the message is shown).
   */
  'media.claim': {
    topic: TOPICS.mediaCommands,
    request: z.object({ actorId: Id, conversationId: Id, clientMsgId: z.string().min(1), attachmentIds: z.array(Id).min(1).max(10) }),
    reply: z.object({ attachments: z.array(AttachmentRecordSchema) }),
  },
  /** v1.1: the avatar media stored for the actor (its id), or null to remove it; answers the profile. */
  'users.setAvatar': { topic: TOPICS.usersCommands, request: z.object({ actorId: Id, avatarId: Id.nullable() }), reply: z.object({ user: UserSchema }) },
  /**
   * The sockets presence knows of under live leases, in pages ordered by `<gatewayId>/<socketId>`:
   * where a delivery router starts its index (then it follows gatewayEvents).
   */
  'presence.connections': {
    topic: TOPICS.presenceCommands,
    request: z.object({ after: z.string().max(256).optional(), limit: z.number().int().min(1).max(5000).default(2000) }),
    reply: z.object({
      connections: z.array(z.object({ gatewayId: z.string(), socketId: z.string(), userId: z.string(), at: z.string() })),
      next: z.string().nullable(),
    }),
  },
  'presence.query': {
    topic: TOPICS.presenceCommands,
    /** With viewerId, presence the viewer may not see (not a contact, no shared conversation) answers offline, never seen. */
    request: z.object({ userIds: z.array(Id).max(5000), viewerId: Id.optional() }),
    reply: z.object({ presence: z.array(z.object({ userId: z.string(), online: z.boolean(), lastSeenAt: z.string().nullable() })) }),
  },
} as const;
export type CommandType = keyof typeof COMMANDS;
/** What a sender passes: the schema's input (defaults may be left out). */
export type CommandRequest<T extends CommandType> = z.input<(typeof COMMANDS)[T]['request']>;
/** What a handler receives: the request after its schema parsed it (trimmed, defaults filled in). */
export type CommandPayload<T extends CommandType> = z.output<(typeof COMMANDS)[T]['request']>;
export type CommandReply<T extends CommandType> = z.infer<(typeof COMMANDS)[T]['reply']>;

/** Facts: type → topic and payload. */
export const EVENTS = {
  'user.registered': { topic: TOPICS.userEvents, payload: UserSchema },
  /** v1.1: a profile changed (display name, or the "Deleted user" of a deletion). */
  'user.updated': { topic: TOPICS.userEvents, payload: z.object({ user: UserSchema, deleted: z.boolean().default(false) }) },
  /** v1.1: `blockerId` blocks (or stopped blocking) `blockedId`; keyed by the blocker. */
  'block.changed': {
    topic: TOPICS.contactEvents,
    payload: z.object({ blockerId: z.string(), blockedId: z.string(), blocked: z.boolean() }),
  },
  /** A conversation's full membership state after a change (state-carrying, so projections are idempotent). */
  'conversation.changed': {
    topic: TOPICS.conversationEvents,
    payload: z.object({
      conversation: ConversationCore,
      change: z.enum(['created', 'renamed', 'members_added', 'member_removed', 'role_changed', 'member_left', 'owner_changed']),
      actorId: z.string(),
      removed: z.array(z.object({ userId: z.string(), reason: RemovedReasonSchema })).default([]),
    }),
  },
  'conversation.deleted': {
    topic: TOPICS.conversationEvents,
    payload: z.object({ conversationId: z.string(), memberIds: z.array(z.string()), actorId: z.string(), version: z.number().int() }),
  },
  /**
   * Messaging-internal: its membership projection of a conversation changed.
   * Sent on the messaging commands topic, keyed by the conversation, so the
   * process that owns the conversation's partition hears it in order with the
   * conversation's messages and drops what it cached.
   */
  'conversation.projected': {
    topic: TOPICS.messagingCommands,
    payload: z.object({ conversationId: z.string(), version: z.number().int() }),
  },
  'contact.changed': {
    topic: TOPICS.contactEvents,
    payload: z.object({ ownerId: z.string(), contactId: z.string(), added: z.boolean() }),
  },
  'session.revoked': {
    topic: TOPICS.sessionEvents,
    payload: z.object({ sessionId: z.string(), userId: z.string(), reason: z.enum(['logout', 'replay', 'password', 'deleted']) }),
  },
  'socket.connected': {
    topic: TOPICS.gatewayEvents,
    payload: z.object({ gatewayId: z.string(), socketId: z.string(), userId: z.string(), at: z.string() }),
  },
  'socket.disconnected': {
    topic: TOPICS.gatewayEvents,
    payload: z.object({ gatewayId: z.string(), socketId: z.string(), userId: z.string(), at: z.string() }),
  },
  /** A gateway's lease renewal: while it keeps coming, the gateway's sockets count as connected. */
  'gateway.heartbeat': {
    topic: TOPICS.gatewayEvents,
    payload: z.object({
      gatewayId: z.string(),
      at: z.string(),
      leaseMs: z.number().int(),
      /** How many sockets the gateway holds (connections themselves travel as connect/disconnect events). */
      socketCount: z.number().int(),
      /** When the gateway started: a new start means its earlier sockets are gone. */
      startedAt: z.string(),
    }),
  },
  'gateway.stopped': { topic: TOPICS.gatewayEvents, payload: z.object({ gatewayId: z.string(), at: z.string() }) },
  /**
   * Presence forgot a gateway: its lease lapsed (a probe confirmed it) and nothing came from it
   * for PRESENCE_PURGE_AFTER_MS after. Its sockets from before `at` are gone for good, for
   * presence and for the delivery routers, which stop routing to them. `startedAt` is the
   * process presence forgot (null if it never heard its heartbeat): a router that has heard a
   * later process of the gateway keeps that one's sockets. Keyed by the gateway.
   */
  'gateway.forgotten': {
    topic: TOPICS.gatewayEvents,
    payload: z.object({ gatewayId: z.string(), at: z.string(), startedAt: z.string().nullable().optional() }),
  },
  /**
   * Presence-internal: sent by the presence service to itself, keyed by the gateway, so it comes
   * back behind everything already queued on that gateway's partition. A lease only lapses when
   * its probe returns with the lease still unrenewed, so a presence service that is merely behind
   * on the topic never declares a live gateway dead.
   */
  'presence.probe': { topic: TOPICS.gatewayEvents, payload: z.object({ gatewayId: z.string(), at: z.string() }) },
  /** v1.1 files: the messages holding these attachments were deleted; media deletes their bytes. Keyed by conversation. */
  'attachments.released': { topic: TOPICS.mediaCommands, payload: z.object({ attachmentIds: z.array(z.string()).min(1) }) },
  'typing.changed': {
    topic: TOPICS.typing,
    payload: z.object({ conversationId: Id, userId: z.string(), typing: z.boolean() }),
  },
  /**
   * A push for gateways: `data` goes as is to every socket of `userIds`. Keyed by the gateway
   * that holds those sockets (DeliveryRouter in @chat/platform-kafka), or by
   * BROADCAST_DELIVERY_KEY while the producer does not know where the sockets are yet.
   */
  delivery: {
    topic: TOPICS.deliveries,
    payload: z.object({
      items: z.array(
        z.object({
          userIds: z.array(z.string()),
          event: z.enum(Object.keys(PushSchemas) as [PushEvent, ...PushEvent[]]),
          data: z.unknown(),
          /** A socket of those users that is not to get it (the one whose request caused it). */
          exceptSocketId: z.string().optional(),
        }),
      ),
      /** Set when this delivery also answers a pending request (message:send acks from it). */
      sentAtMs: z.number().optional(),
      /**
       * A catch-up for a socket that connected while this push was on its way elsewhere: the
       * gateway pushes it although it pushed the same message to other sockets (its repeat
       * filter is per conversation, not per socket).
       */
      catchUp: z.boolean().optional(),
    }),
  },
} as const;
export type EventType = keyof typeof EVENTS;

/** The key of a delivery every gateway reads: what a producer sends before it knows where its recipients' sockets are. */
export const BROADCAST_DELIVERY_KEY = '*';
export type EventPayload<T extends EventType> = z.infer<(typeof EVENTS)[T]['payload']>;

export const DeadLetterSchema = z.object({
  topic: z.string(),
  partition: z.number().int(),
  offset: z.string(),
  reason: z.string(),
  value: z.string(),
});
