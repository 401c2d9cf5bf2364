import type { Conversation, Message } from '@chat/contracts';
import type { ConversationDoc, MemberDoc, MessageDoc, ReadDoc, TimelineDoc } from '../store/store.schema';

export function emptyTimeline(conversationId: string): TimelineDoc {
  return { _id: conversationId, lastSeq: 0, lastMessage: null, lastAt: null, sent: {}, reads: {} };
}

export function toMessage(doc: MessageDoc): Message {
  return {
    id: doc._id,
    conversationId: doc.conversationId,
    seq: doc.seq,
    senderId: doc.senderId,
    text: doc.text,
    clientMsgId: doc.clientMsgId,
    createdAt: iso(doc.createdAt),
    editedAt: doc.editedAt ? iso(doc.editedAt) : null,
    deletedAt: doc.deletedAt ? iso(doc.deletedAt) : null,
  };
}

function iso(d: Date | string): string {
  return (d instanceof Date ? d : new Date(d)).toISOString();
}

export function memberOf(conv: ConversationDoc | null, userId: string): MemberDoc | undefined {
  if (!conv || conv.deleted) return undefined;
  return conv.members.find((m) => m.userId === userId);
}

/**
 * A member's read marker: the one they set during this membership, or the
 * conversation's lastSeq when they joined. It never moves back.
 */
export function readMarker(member: MemberDoc, timeline: TimelineDoc): Pick<ReadDoc, 'seq' | 'own'> {
  const r = timeline.reads[member.userId];
  if (r && r.joinedAt === member.joinedAt && r.seq >= member.joinSeq) return { seq: r.seq, own: r.own };
  return { seq: member.joinSeq, own: member.joinOwn };
}

/**
 * Messages from others above the member's marker. Seq has no gaps, so that is
 * the messages above the marker less the member's own among them, and the
 * member's own above the marker are all they sent less those at or below it.
 */
export function unreadOf(member: MemberDoc, timeline: TimelineDoc): number {
  const marker = readMarker(member, timeline);
  const above = Math.max(0, timeline.lastSeq - marker.seq);
  const ownAbove = Math.max(0, (timeline.sent[member.userId] ?? 0) - marker.own);
  return Math.max(0, above - ownAbove);
}

/** `updatedAt`: the latest of its last message and its last membership change. */
export function updatedAtOf(conv: ConversationDoc, timeline: TimelineDoc): Date {
  const changed = new Date(conv.updatedAt);
  const last = timeline.lastAt ? new Date(timeline.lastAt) : null;
  return last && last > changed ? last : changed;
}

/** The protocol's Conversation as one member sees it. */
export function toConversation(conv: ConversationDoc, timeline: TimelineDoc, viewer: MemberDoc): Conversation {
  return {
    id: conv._id,
    type: conv.type,
    name: conv.type === 'direct' ? null : conv.name,
    members: conv.members.map((m) => ({ userId: m.userId, role: m.role })),
    lastSeq: timeline.lastSeq,
    lastMessage: timeline.lastMessage ? toMessage(timeline.lastMessage) : null,
    unread: unreadOf(viewer, timeline),
    createdAt: new Date(conv.createdAt).toISOString(),
    updatedAt: updatedAtOf(conv, timeline).toISOString(),
  };
}

/** The timeline after messages were stored (and pushed): seq, last message, each sender's count. */
export function advance(timeline: TimelineDoc, stored: MessageDoc[]): TimelineDoc {
  const sent = { ...timeline.sent };
  for (const m of stored) sent[m.senderId] = (sent[m.senderId] ?? 0) + 1;
  const last = stored[stored.length - 1];
  if (!last) return timeline;
  return { ...timeline, lastSeq: last.seq, lastMessage: last, lastAt: last.createdAt, sent };
}
