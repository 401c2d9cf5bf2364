import { z } from 'zod';
import { AckSchemas, ERROR_CODES, LIMITS, PushSchemas, RequestSchemas, SOCKET_MAX_FRAME_BYTES, type PushEvent, type RequestEvent } from '@chat/contracts';
import { COMMANDS, DEFAULT_PARTITIONS, DeadLetterSchema, EnvelopeSchema, EVENTS, ReplyPayloadSchema, TOPICS, type TopicKey } from '@chat/contracts/bus';

/**
 * Builds docs/asyncapi.yaml from the contracts library: every Socket.IO
 * event (requests with their acks, pushes) and every Kafka topic with the
 * messages it carries. The payload schemas are the contracts' zod schemas as
 * JSON Schema, so the document cannot drift from the code; the test beside
 * this file fails when the committed document differs from what this builds
 * (regenerate with UPDATE_ASYNCAPI=1).
 */

type Json = Record<string, unknown>;

function schema(s: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Json;
  delete out['$schema'];
  return out;
}

/** AsyncAPI component and message keys allow letters, digits, '.', '-' and '_'. */
const key = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '_');

const TEXT_RULE = `trimmed and stored trimmed; 1-${LIMITS.textMax} Unicode code points; blank is VALIDATION_FAILED, longer is PAYLOAD_TOO_LARGE`;

const REQUEST_NOTES: Record<RequestEvent, string> = {
  'user:search': 'Prefix match on username or displayName, case-insensitive, ordered by username, caller excluded.',
  'contact:list': "The caller's contacts with presence.",
  'user:get':
    "Extension: users by id (1-100), for co-members the client does not know yet; unknown ids are left out. online/lastSeenAt only where the caller would get that user's presence:update, else offline and never seen.",
  'contact:add': 'Idempotent.',
  'contact:remove': 'Idempotent.',
  'conversation:list': "The caller's conversations by updatedAt, newest first, each with the caller's unread.",
  'conversation:direct': 'The one 1:1 conversation of the pair, made on first use and then pushed to both as conversation:updated.',
  'group:create': 'The caller is owner.',
  'group:rename': 'Admin or owner.',
  'group:addMembers': 'Admin or owner.',
  'group:removeMember': 'An admin removes members, the owner removes admins and members, nobody removes the owner.',
  'group:setRole': 'Owner only; not on the owner.',
  'group:leave': 'An owner who leaves hands ownership to the longest-standing admin, else member; the last one out deletes the group.',
  'group:delete': 'Owner only.',
  'message:send': `Member only. Acks once the message is stored. text: ${TEXT_RULE}. Re-sending the same (conversation, sender, clientMsgId) returns the original and stores and pushes nothing.`,
  'message:edit': `Its sender only; editing a deleted message is CONFLICT. text: ${TEXT_RULE}.`,
  'message:delete': 'Its sender; in a group also admin and owner. A deleted message stays as a tombstone (text "", deletedAt set); deleting again answers the tombstone.',
  'reaction:add':
    'v1.1: member only; one emoji, at most 20 distinct on a message (a 21st is CONFLICT); on a deleted message CONFLICT. A change is pushed as message:updated to every member; one already held changes and pushes nothing.',
  'reaction:remove': 'v1.1: member only; on a deleted message CONFLICT. A change is pushed as message:updated to every member; one not held changes and pushes nothing.',
  'message:search':
    'v1.1: each term a case-insensitive prefix of a word of the current text; newest first (createdAt, then seq); deleted messages never match. Without conversationId every conversation of the caller, with one the caller is not in NOT_FOUND; cursor is opaque (pass back the one answered), null when nothing older matches.',
  'message:history':
    'Ascending by seq, tombstones included. No cursor: the newest limit; beforeSeq: the limit just below it; afterSeq: the limit just above it; both: those strictly between, from just above afterSeq. hasMore: more exist past the page in the direction of travel.',
  'conversation:read': 'Moves the read marker forward (never back; past lastSeq means lastSeq); pushes read:update when it moves.',
  'conversation:mute': "v1.1: idempotent; pushes conversation:prefs to the caller's other sockets when the setting changes. Changes nothing others see, nor unread or mentions.",
  'read:list': "v1.1: every member's read marker (the one unread counts from; a late joiner's starts at the lastSeq of their joining), so receipts survive a reload.",
  typing: 'Re-emit while typing (every 3 s); lapses after 5 s without renewal. Relayed without touching the database. Not relayed to members the typist blocks.',
  'user:block':
    'v1.1: idempotent; yourself is VALIDATION_FAILED. The blocked user cannot use a direct conversation with the blocker or add them to a group (FORBIDDEN), gets none of their presence or typing and no longer finds them in user:search.',
  'user:unblock': 'v1.1: idempotent; yourself is VALIDATION_FAILED.',
  'user:blocked': 'v1.1: the users the caller blocks.',
};

const PUSH_NOTES: Record<PushEvent, string> = {
  'message:new': 'To every socket of every member, the sending socket included (match by clientMsgId).',
  'message:updated': 'An edit or a delete, to every member.',
  'conversation:updated': "Created, renamed, members or roles changed, you were added; each member's own view (unread).",
  'conversation:removed': 'To whoever lost the conversation.',
  'presence:update':
    'To users who share a conversation with that user, or whom that user and they both have as contacts (v1.1 consent), except users that user blocks; once per real change.',
  typing: 'To the other members; typing:false after 5 s without renewal, on typing:false, or when the typist leaves.',
  'read:update': "To every member, the reader's own other sockets too.",
  'conversation:prefs': "v1.1: the caller's own settings of a conversation (muted) changed; to the caller's other sockets, not the one that asked.",
  'user:updated': "v1.1: a profile changed; to the user's own sockets and everyone who gets their presence:update.",
  'server:draining': 'Extension: the gateway is going away; reconnect (possibly to another replica).',
};

const TOPIC_NOTES: Record<TopicKey, string> = {
  authCommands: 'Commands to the auth service (request-reply), keyed by the entity that orders them.',
  usersCommands: 'Commands to the users service (request-reply).',
  messagingCommands:
    "Commands to the messaging service, keyed by conversation id (conversations.list by caller): one partition owns a conversation, assigns its seq and handles its messages in order. Also carries messaging's own conversation.projected.",
  presenceCommands: 'Commands to the presence service (request-reply).',
  mediaCommands: 'v1.1 files: messaging claims the uploads of a send (media.claim, request-reply, keyed by the sender) and releases the attachments of deleted messages (attachments.released). Never the bytes: those go over HTTP between the gateway and media.',
  replies: "Answers to commands, keyed by the asking process's reply key (envelope.replyTo: its id, with a suffix that puts gateways on the lower half of the partitions and other services on the upper); each requester reads its partition with a group of its own.",
  userEvents: 'Facts about users.',
  conversationEvents: "The users service's conversation membership changes, with the full state and a version; keyed by conversation id.",
  contactEvents: 'Contact list changes, and (v1.1) blocks: who blocks whom, keyed by the blocker.',
  sessionEvents: 'Ended sessions (logout, replay, password change, account deletion): gateways refuse their tokens and disconnect their sockets.',
  gatewayEvents: "Socket connects/disconnects and gateway leases: presence's connections and leases, and the delivery routers' index (messaging and presence each read it with a group per process).",
  typing: 'Typing relays from gateways to presence.',
  deliveries: "Pushes for the gateways, routed: keyed by the id of the gateway that holds the recipients' sockets, with only that gateway's recipients in it, or by '*' (every gateway) while the producer's index of sockets is incomplete. Each gateway replica reads, with a consumer group of its own, only the partitions of its id and of '*'. One event per change and gateway, however many users it reaches there.",
  deadLetters: 'Messages no handler could accept (bad envelope or payload), with the reason.',
};

function envelopeOf(payload: Json, type: string): Json {
  const env = schema(EnvelopeSchema, 'output') as { properties: Json; required?: string[] };
  return {
    ...env,
    properties: { ...env.properties, type: { type: 'string', const: type }, payload },
  };
}

export function buildAsyncApi(): Json {
  const socketMessages: Json = {};
  const operations: Json = {};
  for (const event of Object.keys(RequestSchemas) as RequestEvent[]) {
    socketMessages[key(event)] = {
      name: event,
      title: `${event} (request)`,
      summary: REQUEST_NOTES[event],
      payload: schema(RequestSchemas[event], 'input'),
    };
    socketMessages[`${key(event)}.ack`] = {
      name: `${event} ack`,
      title: `${event} (ack)`,
      summary: 'The acknowledgement callback: {ok: true, data} or {ok: false, error: {code, message}}.',
      payload: {
        oneOf: [
          { type: 'object', properties: { ok: { const: true }, data: schema(AckSchemas[event], 'output') }, required: ['ok', 'data'] },
          {
            type: 'object',
            properties: {
              ok: { const: false },
              error: { type: 'object', properties: { code: { enum: [...ERROR_CODES] }, message: { type: 'string' } }, required: ['code', 'message'] },
            },
            required: ['ok', 'error'],
          },
        ],
      },
    };
    operations[`request.${key(event)}`] = {
      action: 'receive',
      channel: { $ref: '#/channels/socket' },
      summary: `Client emits ${event} with an ack callback.`,
      messages: [{ $ref: `#/channels/socket/messages/${key(event)}` }],
      reply: { channel: { $ref: '#/channels/socket' }, messages: [{ $ref: `#/channels/socket/messages/${key(event)}.ack` }] },
    };
  }
  for (const event of Object.keys(PushSchemas) as PushEvent[]) {
    socketMessages[`push.${key(event)}`] = {
      name: event,
      title: `${event} (push)`,
      summary: PUSH_NOTES[event],
      payload: schema(PushSchemas[event], 'output'),
    };
    operations[`push.${key(event)}`] = {
      action: 'send',
      channel: { $ref: '#/channels/socket' },
      summary: `The gateway pushes ${event}.`,
      messages: [{ $ref: `#/channels/socket/messages/push.${key(event)}` }],
    };
  }

  const channels: Json = {
    socket: {
      address: '/socket.io',
      title: 'Socket.IO',
      description:
        `Socket.IO v4 over WebSocket at /socket.io on the gateway's origin; auth: {token: accessToken}. A missing, bad or expired token fails the handshake with connect_error "UNAUTHENTICATED". ` +
        `Frames above ${SOCKET_MAX_FRAME_BYTES} bytes close the socket. Bad input never closes it: it is answered in the ack.`,
      servers: [{ $ref: '#/servers/gateway' }],
      messages: socketMessages,
    },
  };

  const byTopic = new Map<string, Json>();
  for (const k of Object.keys(TOPICS) as TopicKey[]) byTopic.set(TOPICS[k], {});
  for (const [type, def] of Object.entries(COMMANDS)) {
    byTopic.get(def.topic)![key(type)] = {
      name: type,
      title: `${type} (command)`,
      summary: `Request; answered on ${TOPICS.replies} with the reply below.`,
      payload: envelopeOf(schema(def.request, 'input'), type),
    };
    byTopic.get(TOPICS.replies)![`${key(type)}.reply`] = {
      name: `${type} reply`,
      title: `${type} (reply)`,
      payload: envelopeOf(
        {
          oneOf: [
            { type: 'object', properties: { inReplyTo: { type: 'string' }, ok: { const: true }, data: schema(def.reply, 'output') }, required: ['inReplyTo', 'ok', 'data'] },
            schema(ReplyPayloadSchema.options[1], 'output'),
          ],
        },
        'reply',
      ),
    };
  }
  for (const [type, def] of Object.entries(EVENTS)) {
    byTopic.get(def.topic)![key(type)] = { name: type, title: `${type} (event)`, payload: envelopeOf(schema(def.payload, 'output'), type) };
  }
  byTopic.get(TOPICS.deadLetters)!['dead-letter'] = { name: 'dead letter', title: 'dead letter', payload: schema(DeadLetterSchema, 'output') };

  for (const k of Object.keys(TOPICS) as TopicKey[]) {
    channels[k] = {
      address: TOPICS[k],
      title: TOPICS[k],
      description: `${TOPIC_NOTES[k]} Default partitions: ${DEFAULT_PARTITIONS[k]}. A deployment may prefix every topic with a namespace (KAFKA_NAMESPACE).`,
      servers: [{ $ref: '#/servers/kafka' }],
      messages: byTopic.get(TOPICS[k]),
    };
    operations[`kafka.${k}`] = {
      action: 'receive',
      channel: { $ref: `#/channels/${k}` },
      summary: `Consumers of ${TOPICS[k]}. Producers are idempotent; consumers commit an offset only after the message is handled.`,
      messages: Object.keys(byTopic.get(TOPICS[k])!).map((m) => ({ $ref: `#/channels/${k}/messages/${m}` })),
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Chat platform: Socket.IO protocol and Kafka topics',
      version: '1.0.0',
      description:
        'Generated from libs/contracts by services/messaging/test/asyncapi.ts (UPDATE_ASYNCAPI=1 npx jest -c jest.integration.config.cjs services/messaging/test/asyncapi.int.ts); a test keeps it equal to what the contracts say. ' +
        'The client contract in prose is docs/protocol.md; the REST calls are described as OpenAPI by the gateway at /api/v1/openapi.json. ' +
        'Every Kafka message carries the envelope {id, type, version, time, correlationId, replyTo?, payload}.',
    },
    servers: {
      gateway: { host: 'localhost:8080', protocol: 'ws', pathname: '/socket.io', description: 'The gateway (the only public entry point).' },
      kafka: { host: 'localhost:9092', protocol: 'kafka', description: 'The platform broker (internal).' },
    },
    channels,
    operations,
  };
}
