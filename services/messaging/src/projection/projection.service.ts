import { Injectable } from '@nestjs/common';
import type { RemovedReason } from '@chat/contracts';
import type { ConversationCore, EventPayload } from '@chat/contracts/bus';
import { MessagingPublisher, type DeliveryItem } from '../publisher/messaging.publisher';
import { mentionsOf, mutedBy, toConversation, unreadOf } from '../domain/views';
import { MediaClient, type SignAttachments } from '../media/media.client';
import { BlocksRepository } from '../store/blocks.repository';
import { ConversationsRepository } from '../store/conversations.repository';
import type { ConversationDoc, MemberDoc, TimelineDoc } from '../store/store.schema';
import { CurrentTimelines } from '../store/current-timelines';
import { UsersRepository } from '../store/users.repository';

/**
 * Messaging's copy of conversations' membership, from the users service's
 * events. Events carry the full state and a version, so applying one is
 * idempotent and order-safe: only a higher version is written. An event of
 * the stored version is a redelivery (the write may have happened without
 * what follows it), so its announcements are made again; a lower one is old
 * news and changes nothing.
 */
@Injectable()
export class ProjectionService {
  /** The clock; tests set their own. */
  now: () => Date = () => new Date();

  constructor(
    private readonly conversations: ConversationsRepository,
    private readonly timelines: CurrentTimelines,
    private readonly events: MessagingPublisher,
    private readonly blocks: BlocksRepository,
    private readonly users: UsersRepository,
    private readonly media: MediaClient,
  ) {}

  /**
   * The event carries the resulting state, so applying it again changes nothing. The owner of
   * the pair's direct conversation caches who may send there: it hears of the change as
   * `conversation.projected`, in order with the conversation's messages, and reads it again.
   */
  async blockChanged(e: EventPayload<'block.changed'>): Promise<void> {
    await this.blocks.set(e.blockerId, e.blockedId, e.blocked);
    for (const conv of await this.conversations.findDirect(e.blockerId, e.blockedId)) await this.events.projected(conv._id, conv.version);
  }

  async changed(e: EventPayload<'conversation.changed'>, correlationId?: string): Promise<void> {
    const incoming = e.conversation;
    const current = await this.conversations.find(incoming.id);
    if (current && current.version > incoming.version) return;
    if (current?.deleted && current.version === incoming.version) return;
    // As it is now (a checkpoint lags by up to a few dozen messages): a new member starts at the real lastSeq.
    const timeline = (await this.timelines.find(incoming.id)).current;
    let doc = current;
    if (!doc || doc.version < incoming.version) {
      doc = project(incoming, current, timeline);
      await this.conversations.save(doc);
    }
    await this.events.projected(doc._id, doc.version);
    const present = new Set(doc.memberIds);
    const removed = e.removed.filter((r) => !present.has(r.userId));
    await this.events.push(doc._id, [...updatedItems(doc, timeline, this.media.sign), ...removedItems(doc._id, removed)], { correlationId });
  }

  /** Usernames, for mentions: they never change, so the latest write is always right. */
  async registered(user: EventPayload<'user.registered'>): Promise<void> {
    await this.users.save({ _id: user.id, username: user.username.toLowerCase() });
  }

  async deleted(e: EventPayload<'conversation.deleted'>, correlationId?: string): Promise<void> {
    const current = await this.conversations.find(e.conversationId);
    if (current && current.version > e.version) return;
    if (!current || current.version < e.version || !current.deleted) {
      const at = this.now();
      await this.conversations.save({
        _id: e.conversationId,
        type: current?.type ?? 'group',
        name: current?.name ?? null,
        members: [],
        memberIds: [],
        createdAt: current?.createdAt ?? at,
        updatedAt: at,
        version: e.version,
        deleted: true,
      });
    }
    await this.events.projected(e.conversationId, e.version);
    await this.events.push(e.conversationId, removedItems(e.conversationId, e.memberIds.map((userId) => ({ userId, reason: 'deleted' }))), {
      correlationId,
    });
  }
}

/**
 * The projected state. A member who was already in (same joinedAt) keeps
 * where they started reading; a new membership starts at the conversation's
 * lastSeq now, with the messages before it counted as read.
 */
export function project(incoming: ConversationCore, current: ConversationDoc | null, timeline: TimelineDoc): ConversationDoc {
  const before = new Map((current?.members ?? []).map((m) => [m.userId, m]));
  const members: MemberDoc[] = incoming.members.map((m) => {
    const prev = before.get(m.userId);
    if (prev && prev.joinedAt === m.joinedAt) return { ...prev, role: m.role };
    return { userId: m.userId, role: m.role, joinedAt: m.joinedAt, joinSeq: timeline.lastSeq, joinOwn: timeline.sent[m.userId] ?? 0 };
  });
  return {
    _id: incoming.id,
    type: incoming.type,
    name: incoming.type === 'group' ? incoming.name : null,
    members,
    memberIds: members.map((m) => m.userId),
    createdAt: new Date(incoming.createdAt),
    updatedAt: new Date(incoming.updatedAt),
    version: incoming.version,
    deleted: false,
  };
}

/** `conversation:updated` for every member, each with their own unread, mentions and mute (members who see the same are one item). */
function updatedItems(doc: ConversationDoc, timeline: TimelineDoc, sign: SignAttachments): DeliveryItem[] {
  const byUnread = new Map<string, { view: MemberDoc; userIds: string[] }>();
  for (const m of doc.members) {
    const n = `${unreadOf(m, timeline)}:${mentionsOf(m, timeline)}:${mutedBy(m, timeline)}`;
    const group = byUnread.get(n);
    if (group) group.userIds.push(m.userId);
    else byUnread.set(n, { view: m, userIds: [m.userId] });
  }
  return [...byUnread.values()].map(({ view, userIds }) => ({
    userIds,
    event: 'conversation:updated',
    data: { conversation: toConversation(doc, timeline, view, sign) },
  }));
}

function removedItems(conversationId: string, removed: { userId: string; reason: RemovedReason }[]): DeliveryItem[] {
  const byReason = new Map<RemovedReason, string[]>();
  for (const r of removed) byReason.set(r.reason, [...(byReason.get(r.reason) ?? []), r.userId]);
  return [...byReason].map(([reason, userIds]) => ({ userIds, event: 'conversation:removed', data: { conversationId, reason } }));
}
