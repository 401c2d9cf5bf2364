import { ChatError } from '@chat/contracts';
import type { EventPayload, EventType } from '@chat/contracts/bus';
import type { ConversationDoc } from '../conversations/conversations.schema';
import type { UserDoc } from '../users/users.schema';

/** Events a service emitted, in order. */
export class FakeBus {
  readonly events: { type: EventType; key: string; payload: unknown }[] = [];
  failNext = 0;

  async emit<T extends EventType>(type: T, key: string, payload: EventPayload<T>): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw Object.assign(new Error('KafkaJSConnectionError: broker away'), { name: 'KafkaJSConnectionError' });
    }
    this.events.push({ type, key, payload: structuredClone(payload) });
  }

  of<T extends EventType>(type: T): EventPayload<T>[] {
    return this.events.filter((e) => e.type === type).map((e) => e.payload as EventPayload<T>);
  }
}

/** The conversations repository in memory, with the same version conditions as the real one. */
export class FakeConversationsRepository {
  readonly docs = new Map<string, ConversationDoc>();
  /** Called before each conditional write: lets a test change the document under the service's feet. */
  beforeReplace?: (doc: ConversationDoc) => void;

  async findById(id: string) {
    const d = this.docs.get(id);
    return d ? structuredClone(d) : null;
  }

  async findByDirectKey(key: string) {
    const d = [...this.docs.values()].find((x) => x.directKey === key);
    return d ? structuredClone(d) : null;
  }

  async insert(doc: ConversationDoc) {
    if (this.docs.has(doc._id) || [...this.docs.values()].some((x) => x.directKey === doc.directKey)) return false;
    this.docs.set(doc._id, structuredClone(doc));
    return true;
  }

  async replace(doc: ConversationDoc, expectedVersion: number) {
    const hook = this.beforeReplace;
    this.beforeReplace = undefined;
    hook?.(this.docs.get(doc._id)!);
    const cur = this.docs.get(doc._id);
    if (!cur || cur.version !== expectedVersion) return false;
    this.docs.set(doc._id, structuredClone(doc));
    return true;
  }

  async markPublished(id: string, version: number) {
    const cur = this.docs.get(id);
    if (cur && cur.version === version) this.docs.set(id, { ...cur, publishedVersion: version, outbox: null });
  }

  async remove(id: string, version: number) {
    if (this.docs.get(id)?.version === version) this.docs.delete(id);
  }
}

/** Users known by id; everything else is NOT_FOUND. */
export class FakeUsers {
  constructor(readonly ids = new Set<string>()) {}

  async assertExist(ids: string[]) {
    if (ids.some((id) => !this.ids.has(id))) throw new ChatError('NOT_FOUND', 'no such user');
  }

  /** No deleted accounts here: active is existing. */
  assertActive(ids: string[]) {
    return this.assertExist(ids);
  }

  async many(ids: string[]) {
    return ids.filter((id) => this.ids.has(id)).map((id) => ({ id, username: id, displayName: id }));
  }
}

export class FakeUsersRepository {
  readonly docs = new Map<string, UserDoc>();

  async insert(doc: UserDoc) {
    if (this.docs.has(doc._id) || [...this.docs.values()].some((d) => d.username === doc.username)) return false;
    this.docs.set(doc._id, structuredClone(doc));
    return true;
  }
  async findById(id: string) {
    const d = this.docs.get(id);
    return d ? structuredClone(d) : null;
  }
  async findByIds(ids: string[]) {
    return [...new Set(ids)].flatMap((id) => (this.docs.has(id) ? [structuredClone(this.docs.get(id)!)] : []));
  }
  async markPublished(id: string) {
    const d = this.docs.get(id);
    if (d) d.published = true;
  }
  async setProfile(id: string, displayName: string, deleted?: true) {
    const d = this.docs.get(id);
    if (!d) return null;
    Object.assign(d, { displayName, displayNameLower: displayName.toLowerCase() }, deleted ? { deleted } : {});
    return structuredClone(d);
  }
  async searchPrefix(field: 'username' | 'displayNameLower', prefix: string, excludeIds: string[], limit: number) {
    return [...this.docs.values()]
      .filter((d) => !excludeIds.includes(d._id) && !d.deleted && d[field].startsWith(prefix))
      .sort((a, b) => (a.username < b.username ? -1 : 1))
      .slice(0, limit);
  }
}

/** Blocks as `blocker:blocked` pairs, with BlocksService's checks. */
export class FakeBlocks {
  readonly pairs = new Set<string>();

  async blockersOf(blockedId: string) {
    return [...this.pairs].filter((p) => p.endsWith(`:${blockedId}`)).map((p) => p.split(':')[0]!);
  }

  async assertNotBlockedBy(actorId: string, userIds: string[]) {
    if (userIds.some((id) => this.pairs.has(`${id}:${actorId}`))) throw new ChatError('FORBIDDEN', 'not allowed');
  }
}
