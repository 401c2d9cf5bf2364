import { blank, ChatError, conversationOfMessage, type AckData, type Contact, type ParsedRequest, type RequestEvent, type User } from '@chat/contracts';
import { directPairKey, type CommandType } from '@chat/contracts/bus';
import type { KafkaBus } from '@chat/platform-kafka';

export interface RouteContext {
  bus: KafkaBus;
  userId: string;
  /** The asking socket (pushes caused by the caller's own request may skip it). */
  socketId: string;
  correlationId: string;
  timeoutMs: number;
}

type Route<E extends RequestEvent> = (input: ParsedRequest<E>, ctx: RouteContext) => Promise<AckData<E>>;

function call<T extends CommandType>(ctx: RouteContext, type: T, key: string, payload: Parameters<KafkaBus['request']>[2] & object) {
  return ctx.bus.request(type, key, payload as never, { correlationId: ctx.correlationId, timeoutMs: ctx.timeoutMs });
}

/** A change in the users service, answered with the caller's full view from messaging. */
async function viewAfter<T extends 'conversations.direct' | `groups.${'create' | 'rename' | 'addMembers' | 'removeMember' | 'setRole'}`>(
  ctx: RouteContext,
  type: T,
  key: string,
  payload: object,
): Promise<AckData<'group:create'>> {
  const { conversation } = (await call(ctx, type, key, { ...payload, actorId: ctx.userId })) as { conversation: { id: string; version: number } };
  return call(ctx, 'conversations.get', conversation.id, {
    actorId: ctx.userId,
    conversationId: conversation.id,
    minVersion: conversation.version,
  }) as Promise<AckData<'group:create'>>;
}

/** Users with their presence from the presence service (as `viewerId` may see it, when given). */
async function withPresence(ctx: RouteContext, users: User[], viewerId?: string): Promise<Contact[]> {
  if (users.length === 0) return [];
  const query = { userIds: users.map((u) => u.id), ...(viewerId ? { viewerId } : {}) };
  const { presence } = await call(ctx, 'presence.query', ctx.userId, query);
  const byId = new Map(presence.map((x) => [x.userId, x]));
  return users.map((u) => ({ ...u, online: byId.get(u.id)?.online ?? false, lastSeenAt: byId.get(u.id)?.lastSeenAt ?? null }));
}

function messageConversation(messageId: string): string {
  const conversationId = conversationOfMessage(messageId);
  if (!conversationId) throw new ChatError('NOT_FOUND', 'no such message');
  return conversationId;
}

/** A request about one message: sent to its conversation's partition, which the message id names. */
function aboutMessage(type: 'messages.edit' | 'messages.delete' | 'reactions.add' | 'reactions.remove') {
  return (p: { messageId: string }, ctx: RouteContext) => {
    const conversationId = messageConversation(p.messageId);
    return call(ctx, type, conversationId, { ...p, conversationId, actorId: ctx.userId }) as never;
  };
}

/**
 * Every socket request and the service that answers it. The gateway only
 * routes: it validates the shape at the edge, adds the caller, and the owning
 * service decides.
 */
export const ROUTES: { [E in RequestEvent]: Route<E> } = {
  'user:search': (p, ctx) => call(ctx, 'users.search', ctx.userId, { ...p, actorId: ctx.userId }) as never,
  'contact:list': async (p, ctx) => {
    const { contacts } = await call(ctx, 'contacts.list', ctx.userId, { ...p, actorId: ctx.userId });
    // v1.1 consent: a contact's presence only when they have the caller as a contact too (or share a conversation).
    return { contacts: await withPresence(ctx, contacts, ctx.userId) };
  },
  // Extension: names from the users service, presence as the caller may see it.
  'user:get': async (p, ctx) => {
    const { users } = await call(ctx, 'users.many', ctx.userId, { ...p, actorId: ctx.userId });
    return { users: await withPresence(ctx, users, ctx.userId) };
  },
  'contact:add': (p, ctx) => call(ctx, 'contacts.add', ctx.userId, { ...p, actorId: ctx.userId }) as never,
  'contact:remove': (p, ctx) => call(ctx, 'contacts.remove', ctx.userId, { ...p, actorId: ctx.userId }) as never,
  'conversation:list': (p, ctx) => call(ctx, 'conversations.list', ctx.userId, { ...p, actorId: ctx.userId }) as never,
  'conversation:direct': (p, ctx) => viewAfter(ctx, 'conversations.direct', directPairKey(ctx.userId, p.userId), p),
  'group:create': (p, ctx) => viewAfter(ctx, 'groups.create', ctx.userId, p),
  'group:rename': (p, ctx) => viewAfter(ctx, 'groups.rename', p.conversationId, p),
  'group:addMembers': (p, ctx) => viewAfter(ctx, 'groups.addMembers', p.conversationId, p),
  'group:removeMember': (p, ctx) => viewAfter(ctx, 'groups.removeMember', p.conversationId, p),
  'group:setRole': (p, ctx) => viewAfter(ctx, 'groups.setRole', p.conversationId, p),
  'group:leave': (p, ctx) => call(ctx, 'groups.leave', p.conversationId, { ...p, actorId: ctx.userId }) as never,
  'group:delete': (p, ctx) => call(ctx, 'groups.delete', p.conversationId, { ...p, actorId: ctx.userId }) as never,
  'message:send': (p, ctx) => {
    // v1.1: text may be blank only with files; refused here without a hop (messaging checks it too).
    if (!p.attachmentIds?.length && blank(p.text)) throw new ChatError('VALIDATION_FAILED', 'text must not be blank');
    return call(ctx, 'messages.send', p.conversationId, { ...p, actorId: ctx.userId }) as never;
  },
  'message:edit': aboutMessage('messages.edit'),
  'message:delete': aboutMessage('messages.delete'),
  'reaction:add': aboutMessage('reactions.add'),
  'reaction:remove': aboutMessage('reactions.remove'),
  'message:search': (p, ctx) => call(ctx, 'messages.search', ctx.userId, { ...p, actorId: ctx.userId }) as never,
  'message:history': (p, ctx) => call(ctx, 'messages.history', p.conversationId, { ...p, actorId: ctx.userId }) as never,
  'conversation:read': (p, ctx) => call(ctx, 'conversations.read', p.conversationId, { ...p, actorId: ctx.userId }) as never,
  'read:list': (p, ctx) => call(ctx, 'conversations.reads', p.conversationId, { ...p, actorId: ctx.userId }) as never,
  'user:block': (p, ctx) => call(ctx, 'blocks.add', ctx.userId, { ...p, actorId: ctx.userId }) as never,
  'user:unblock': (p, ctx) => call(ctx, 'blocks.remove', ctx.userId, { ...p, actorId: ctx.userId }) as never,
  'user:blocked': (p, ctx) => call(ctx, 'blocks.list', ctx.userId, { ...p, actorId: ctx.userId }) as never,
  'conversation:mute': (p, ctx) =>
    call(ctx, 'conversations.mute', p.conversationId, { ...p, actorId: ctx.userId, socketId: ctx.socketId }) as never,
  typing: async (p, ctx) => {
    // A relay, not a command: the presence service checks membership and fans it out.
    await ctx.bus.emit('typing.changed', p.conversationId, { ...p, userId: ctx.userId }, ctx.correlationId);
    return {};
  },
};
