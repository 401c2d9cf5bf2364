import { excerptOf, REPLY_EXCERPT_MAX, type Conversation, type Message, type ReplyTo } from '@chat/contracts';
import type { SignAttachments } from '../media/media.client';
import type { ConversationDoc, MemberDoc, MessageDoc, ReadDoc, ReplyRefDoc, TimelineDoc } from '../store/store.schema';

export function emptyTimeline(conversationId: string): TimelineDoc {
  return { _id: conversationId, lastSeq: 0, lastMessage: null, lastAt: null, sent: {}, reads: {}, mentioned: {}, muted: {} };
}

/** What a reply to `original` quotes: its current text's first 200 code points, or nothing once it is deleted. */
export function replyRef(original: MessageDoc): ReplyRefDoc {
  return {
    messageId: original._id,
    seq: original.seq,
    senderId: original.senderId,
    excerpt: original.deletedAt ? '' : excerptOf(original.text, REPLY_EXCERPT_MAX),
    deleted: !!original.deletedAt,
  };
}

/**
 * The protocol's Message. `originals` holds the current state of the messages
 * replies answer; without its original there, a reply quotes what was last
 * written into it.
 */
export function toMessage(doc: MessageDoc, sign: SignAttachments, originals?: ReadonlyMap<string, MessageDoc>): Message {
  const ref = doc.replyTo ?? null;
  const original = ref ? originals?.get(ref.messageId) : undefined;
  const replyTo: ReplyTo | null = ref ? (original ? replyRef(original) : { ...ref }) : null;
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
    replyTo,
    mentions: doc.mentions ?? [],
    reactions: doc.reactions ?? [],
    attachments: sign(doc.attachments ?? []),
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

/** Messages from others above the member's marker that mention them now. */
export function mentionsOf(member: MemberDoc, timeline: TimelineDoc): number {
  const marker = readMarker(member, timeline).seq;
  return (timeline.mentioned[member.userId] ?? []).filter((seq) => seq > marker).length;
}

export function mutedBy(member: MemberDoc, timeline: TimelineDoc): boolean {
  return timeline.muted[member.userId] === member.joinedAt;
}

/** `updatedAt`: the latest of its last message and its last membership change. */
export function updatedAtOf(conv: ConversationDoc, timeline: TimelineDoc): Date {
  const changed = new Date(conv.updatedAt);
  const last = timeline.lastAt ? new Date(timeline.lastAt) : null;
  return last && last > changed ? last : changed;
}

/** The protocol's Conversation as one member sees it. */
export function toConversation(conv: ConversationDoc, timeline: TimelineDoc, viewer: MemberDoc, sign: SignAttachments): Conversation {
  return {
    id: conv._id,
    type: conv.type,
    name: conv.type === 'direct' ? null : conv.name,
    members: conv.members.map((m) => ({ userId: m.userId, role: m.role })),
    lastSeq: timeline.lastSeq,
    lastMessage: timeline.lastMessage ? toMessage(timeline.lastMessage, sign) : null,
    unread: unreadOf(viewer, timeline),
    mentions: mentionsOf(viewer, timeline),
    muted: mutedBy(viewer, timeline),
    createdAt: new Date(conv.createdAt).toISOString(),
    updatedAt: updatedAtOf(conv, timeline).toISOString(),
  };
}

/** The timeline after messages were stored (and pushed): seq, last message, each sender's count, who they mention. */
export function advance(timeline: TimelineDoc, stored: MessageDoc[]): TimelineDoc {
  const sent = { ...timeline.sent };
  const mentioned = { ...timeline.mentioned };
  for (const m of stored) {
    sent[m.senderId] = (sent[m.senderId] ?? 0) + 1;
    for (const u of m.mentions ?? []) if (u !== m.senderId) mentioned[u] = withSeq(mentioned[u] ?? [], m.seq, true);
  }
  const last = stored[stored.length - 1];
  if (!last) return timeline;
  return { ...timeline, lastSeq: last.seq, lastMessage: last, lastAt: last.createdAt, sent, mentioned };
}

/** A sorted list of seqs with `seq` in it or out of it. */
export function withSeq(seqs: readonly number[], seq: number, present: boolean): number[] {
  const rest = seqs.filter((s) => s !== seq);
  if (present) rest.push(seq);
  return rest.sort((a, b) => a - b);
}

/**
 * The mentioned seqs of the members whose mention of message `seq` changed:
 * `before` and `after` are the message's mentions, `senderId` its sender
 * (whose mention of themselves never counts).
 */
export function remention(timeline: TimelineDoc, seq: number, senderId: string, before: readonly string[], after: readonly string[]): Record<string, number[]> {
  const changed: Record<string, number[]> = {};
  for (const u of new Set([...before, ...after])) {
    if (u === senderId || before.includes(u) === after.includes(u)) continue;
    changed[u] = withSeq(timeline.mentioned[u] ?? [], seq, after.includes(u));
  }
  return changed;
}
