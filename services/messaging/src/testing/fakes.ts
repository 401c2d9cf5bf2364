import type { AttachmentRecord, EventPayload } from '@chat/contracts/bus';
import type { DeliveryItem } from '../publisher/messaging.publisher';
import { ChatError, matchesTerms, type Attachment } from '@chat/contracts';
import type { InsertOutcome, SearchPosition } from '../store/messages.repository';
import type { ConversationDoc, MessageDoc, ReactionDoc, ReadDoc, TimelineDoc, UserDoc } from '../store/store.schema';

const copy = <T>(v: T): T => structuredClone(v);

/** A failure the transport would retry (the database or broker briefly away). */
export function transientError(): Error {
  return Object.assign(new Error('connection closed'), { name: 'MongoNetworkError' });
}

/** Lets a test make the next call of a method fail once (a crash or outage at that point). */
class Faults {
  private readonly pending = new Map<string, number>();
  failNext(method: string, times = 1): void {
    this.pending.set(method, (this.pending.get(method) ?? 0) + times);
  }
  check(method: string): void {
    const n = this.pending.get(method) ?? 0;
    if (n > 0) {
      this.pending.set(method, n - 1);
      throw transientError();
    }
  }
}

export class FakeConversations extends Faults {
  readonly docs = new Map<string, ConversationDoc>();
  reads = 0;

  async find(id: string) {
    this.reads++;
    const d = this.docs.get(id);
    return d ? copy(d) : null;
  }

  async findForMember(userId: string) {
    return [...this.docs.values()].filter((d) => d.memberIds.includes(userId)).map(copy);
  }

  async findDirect(a: string, b: string) {
    return [...this.docs.values()].filter((d) => d.type === 'direct' && d.memberIds.includes(a) && d.memberIds.includes(b)).map(copy);
  }

  async save(doc: ConversationDoc) {
    this.check('save');
    this.docs.set(doc._id, copy(doc));
  }
}

export class FakeTimelines extends Faults {
  readonly docs = new Map<string, TimelineDoc>();
  writes = 0;

  private current(id: string): TimelineDoc {
    return this.docs.get(id) ?? { _id: id, lastSeq: 0, lastMessage: null, lastAt: null, sent: {}, reads: {}, mentioned: {}, muted: {} };
  }

  async find(id: string) {
    const d = this.docs.get(id);
    return d ? copy(d) : null;
  }

  async findMany(ids: string[]) {
    return ids.flatMap((id) => (this.docs.has(id) ? [copy(this.docs.get(id)!)] : []));
  }

  /** The guarded whole-state write: replaces only an older checkpoint (or none). */
  async checkpoint(doc: TimelineDoc) {
    this.check('checkpoint');
    this.writes++;
    const stored = this.docs.get(doc._id);
    if (stored && stored.lastSeq >= doc.lastSeq) return;
    this.docs.set(doc._id, copy(doc));
  }

  async recordRead(id: string, userId: string, read: ReadDoc, mentioned: number[] = []) {
    this.check('recordRead');
    this.writes++;
    const cur = this.current(id);
    this.docs.set(id, copy({ ...cur, reads: { ...cur.reads, [userId]: read }, mentioned: { ...cur.mentioned, [userId]: mentioned } }));
  }

  async recordMentioned(id: string, mentioned: Record<string, number[]>) {
    this.writes++;
    const cur = this.current(id);
    this.docs.set(id, copy({ ...cur, mentioned: { ...cur.mentioned, ...mentioned } }));
  }

  async recordMute(id: string, userId: string, joinedAt: string | null) {
    this.writes++;
    const cur = this.current(id);
    const muted = { ...cur.muted };
    if (joinedAt === null) delete muted[userId];
    else muted[userId] = joinedAt;
    this.docs.set(id, copy({ ...cur, muted }));
  }

  async recordLastMessage(id: string, message: MessageDoc) {
    this.writes++;
    const cur = this.current(id);
    this.docs.set(id, copy({ ...cur, lastMessage: message }));
  }
}

/** The messages collection with its two unique indexes. */
export class FakeMessages extends Faults {
  readonly docs = new Map<string, MessageDoc>();
  inserts = 0;

  async insert(doc: MessageDoc): Promise<InsertOutcome> {
    this.check('insert');
    const key = (d: MessageDoc) => `${d.conversationId}\u0000${d.senderId}\u0000${d.clientMsgId}`;
    if (this.docs.has(doc._id) || [...this.docs.values()].some((d) => key(d) === key(doc))) return 'duplicate';
    this.inserts++;
    this.docs.set(doc._id, copy(doc));
    return 'inserted';
  }

  async findById(id: string) {
    const d = this.docs.get(id);
    return d ? copy(d) : null;
  }

  async findByClientMsgId(conversationId: string, senderId: string, clientMsgId: string) {
    const d = [...this.docs.values()].find((m) => m.conversationId === conversationId && m.senderId === senderId && m.clientMsgId === clientMsgId);
    return d ? copy(d) : null;
  }

  private of(conversationId: string) {
    return [...this.docs.values()].filter((m) => m.conversationId === conversationId).sort((a, b) => a.seq - b.seq);
  }

  /** The messages right above `seq` up to the first gap. */
  async runAbove(conversationId: string, seq: number) {
    const run: MessageDoc[] = [];
    for (const m of this.of(conversationId)) {
      if (m.seq <= seq) continue;
      if (m.seq !== seq + run.length + 1) break;
      run.push(copy(m));
    }
    return run;
  }

  async range(conversationId: string, from: number, to: number) {
    return this.of(conversationId)
      .filter((m) => m.seq >= from && m.seq <= to)
      .map(copy);
  }

  async countFromSender(conversationId: string, senderId: string, afterSeq: number, uptoSeq: number) {
    return this.of(conversationId).filter((m) => m.senderId === senderId && m.seq > afterSeq && m.seq <= uptoSeq).length;
  }

  async setContent(id: string, change: Partial<MessageDoc>) {
    const d = this.docs.get(id);
    if (d) this.docs.set(id, { ...d, ...copy(change) });
  }

  async setReactions(id: string, reactions: ReactionDoc[]) {
    return this.setContent(id, { reactions });
  }

  async findMany(ids: string[]) {
    return ids.flatMap((id) => (this.docs.has(id) ? [copy(this.docs.get(id)!)] : []));
  }

  async search(conversationIds: string[], terms: string[], after: SearchPosition | null, limit: number) {
    const key = (m: { createdAt: Date; seq: number; _id?: string; id?: string }) => [m.createdAt.getTime(), m.seq, m._id ?? m.id ?? ''] as const;
    const older = (a: ReturnType<typeof key>, b: ReturnType<typeof key>) => a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && a[2] < b[2])));
    return [...this.docs.values()]
      .filter((m) => conversationIds.includes(m.conversationId) && !m.deletedAt && matchesTerms(m.words ?? [], terms))
      .filter((m) => !after || older(key(m), key(after)))
      .sort((a, b) => (older(key(a), key(b)) ? 1 : -1))
      .slice(0, limit)
      .map(copy);
  }
}

/** Messaging's copy of usernames. */
export class FakeUsers {
  readonly docs = new Map<string, UserDoc>();

  async save(doc: UserDoc) {
    this.docs.set(doc._id, copy(doc));
  }

  async findByUsernames(usernames: string[]) {
    return [...this.docs.values()].filter((u) => usernames.includes(u.username)).map(copy);
  }
}

/** Pushes and projection notices, as the gateways and the owner would get them. */
export class FakePublisher extends Faults {
  readonly deliveries: { key: string; items: DeliveryItem[]; sentAtMs?: number }[] = [];
  readonly projections: { conversationId: string; version: number }[] = [];

  async push(key: string, items: DeliveryItem[], opts: { sentAtMs?: number } = {}) {
    this.check('push');
    const nonEmpty = items.filter((i) => i.userIds.length > 0);
    if (nonEmpty.length) this.deliveries.push({ key, items: copy(nonEmpty), sentAtMs: opts.sentAtMs });
  }

  async projected(conversationId: string, version: number) {
    this.projections.push({ conversationId, version });
  }

  readonly releases: string[][] = [];
  async released(_conversationId: string, ids: string[]) {
    this.releases.push(ids);
  }

  /** Every item of one push event, flattened. */
  of(event: DeliveryItem['event']): DeliveryItem[] {
    return this.deliveries.flatMap((d) => d.items).filter((i) => i.event === event);
  }

  /** What one user received of an event, in order. */
  to<T = unknown>(userId: string, event: DeliveryItem['event']): T[] {
    return this.of(event)
      .filter((i) => i.userIds.includes(userId))
      .map((i) => i.data as T);
  }

  clear(): void {
    this.deliveries.length = 0;
    this.projections.length = 0;
  }
}

/** The media service as messaging sees it: uploads it may claim, and URLs "signed" as `signed:<id>:<variant>`. */
export class FakeMedia {
  /** Uploads by id, with their owner; `claimedBy` is the send (`conversationId/clientMsgId`) that took one. */
  readonly uploads = new Map<string, AttachmentRecord & { ownerId: string; claimedBy?: string }>();

  add(ownerId: string, id: string, contentType = 'image/png'): void {
    this.uploads.set(id, { id, ownerId, name: `${id}.bin`, size: 3, contentType, width: null, height: null, thumbnail: contentType.startsWith('image/') });
  }

  readonly sign = (records: readonly AttachmentRecord[]): Attachment[] =>
    records.map(({ thumbnail, ...r }) => ({ ...r, url: `signed:${r.id}:original`, thumbnailUrl: thumbnail ? `signed:${r.id}:thumbnail` : null }));

  async claim(actorId: string, conversationId: string, clientMsgId: string, ids: string[]): Promise<AttachmentRecord[]> {
    const send = `${conversationId}/${clientMsgId}`;
    for (const id of ids) {
      const u = this.uploads.get(id);
      if (!u || u.ownerId !== actorId || (u.claimedBy && u.claimedBy !== send)) throw new ChatError('VALIDATION_FAILED', `no upload ${id} of yours`);
    }
    return ids.map((id) => {
      const { ownerId: _o, claimedBy: _c, ...record } = this.uploads.get(id)!;
      this.uploads.get(id)!.claimedBy = send;
      return record;
    });
  }
}

let clock = Date.parse('2030-01-01T00:00:00.000Z');
/** A clock that moves one millisecond per reading, so order is visible in times. */
export function tickingClock(): () => Date {
  return () => new Date(clock++);
}

export function changedEvent(
  id: string,
  version: number,
  members: { userId: string; role?: 'owner' | 'admin' | 'member'; joinedAt?: string }[],
  extra: Partial<EventPayload<'conversation.changed'>> & { type?: 'direct' | 'group'; name?: string | null; updatedAt?: string } = {},
): EventPayload<'conversation.changed'> {
  const type = extra.type ?? (members.length === 2 && !extra.name ? 'direct' : 'group');
  const at = extra.updatedAt ?? '2030-01-01T00:00:00.000Z';
  return {
    conversation: {
      id,
      type,
      name: type === 'group' ? (extra.name ?? 'group') : null,
      members: members.map((m) => ({ userId: m.userId, role: m.role ?? 'member', joinedAt: m.joinedAt ?? '2030-01-01T00:00:00.000Z' })),
      createdAt: '2030-01-01T00:00:00.000Z',
      updatedAt: at,
      version,
    },
    change: extra.change ?? (version === 1 ? 'created' : 'members_added'),
    actorId: extra.actorId ?? members[0]!.userId,
    removed: extra.removed ?? [],
  };
}

/** Messaging's copy of blocks, as `blocker:blocked` pairs. */
export class FakeBlocks {
  readonly pairs = new Set<string>();
  reads = 0;
  async set(blockerId: string, blockedId: string, blocked: boolean) {
    if (blocked) this.pairs.add(`${blockerId}:${blockedId}`);
    else this.pairs.delete(`${blockerId}:${blockedId}`);
  }
  async blocks(blockerId: string, blockedId: string) {
    this.reads++;
    return this.pairs.has(`${blockerId}:${blockedId}`);
  }
}
