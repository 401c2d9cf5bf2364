import type { PushPayload } from '@chat/contracts';
import type { AudienceRepository, StoredBlock, StoredContact, StoredConversation } from '../audience/audience.repository';
import type { Connection, Lease, PresenceRepository, UserPresence } from '../presence/presence.repository';
import type { PresencePublisher } from '../publisher/presence.publisher';

/** In-memory stand-ins for the repositories and the bus, for unit tests (no jest globals here). */

export class FakeAudienceRepository implements Pick<AudienceRepository, keyof AudienceRepository> {
  conversations = new Map<string, StoredConversation>();
  contacts = new Map<string, StoredContact>();

  async allConversations() {
    return [...this.conversations.values()].map((c) => ({ ...c, memberIds: [...c.memberIds] }));
  }
  async allContacts() {
    return [...this.contacts.values()];
  }
  async saveConversation(c: StoredConversation) {
    const stored = this.conversations.get(c.id);
    if (!stored || stored.version < c.version) this.conversations.set(c.id, { ...c, memberIds: [...c.memberIds] });
  }
  async addContact(ownerId: string, contactId: string) {
    this.contacts.set(`${ownerId}/${contactId}`, { ownerId, contactId });
  }
  async removeContact(ownerId: string, contactId: string) {
    this.contacts.delete(`${ownerId}/${contactId}`);
  }
  blocks = new Map<string, StoredBlock>();
  async allBlocks() {
    return [...this.blocks.values()];
  }
  async setBlock(blockerId: string, blockedId: string, blocked: boolean) {
    if (blocked) this.blocks.set(`${blockerId}/${blockedId}`, { blockerId, blockedId });
    else this.blocks.delete(`${blockerId}/${blockedId}`);
  }
}

export class FakePresenceRepository implements Pick<PresenceRepository, keyof PresenceRepository> {
  connections = new Map<string, Connection>();
  leases = new Map<string, Lease>();
  users = new Map<string, UserPresence>();
  /** When set, the next call of that name throws (a database away). */
  failNext?: keyof PresenceRepository;
  /** When it answers true for a user record about to be saved, that save throws. */
  failUserSave?: (u: UserPresence) => boolean;

  private maybeFail(name: keyof PresenceRepository): void {
    if (this.failNext === name) {
      this.failNext = undefined;
      throw Object.assign(new Error('connection closed'), { name: 'MongoNetworkError' });
    }
  }

  async allConnections() {
    return [...this.connections.values()].map((c) => ({ ...c }));
  }
  async allLeases() {
    return [...this.leases.values()].map((l) => ({ ...l }));
  }
  async activeUsers() {
    return [...this.users.values()].filter((u) => u.online || !u.pushed).map((u) => ({ ...u }));
  }
  async findUsers(userIds: string[]) {
    return userIds.flatMap((id) => (this.users.has(id) ? [{ ...this.users.get(id)! }] : []));
  }
  async saveConnection(c: Connection) {
    this.maybeFail('saveConnection');
    this.connections.set(`${c.gatewayId}/${c.socketId}`, { ...c });
  }
  async deleteConnection(gatewayId: string, socketId: string) {
    this.connections.delete(`${gatewayId}/${socketId}`);
  }
  async deleteConnectionsBefore(gatewayId: string, before: number) {
    for (const [k, c] of this.connections) if (c.gatewayId === gatewayId && c.at < before) this.connections.delete(k);
  }
  async saveLease(l: Lease) {
    this.leases.set(l.gatewayId, { ...l });
  }
  async deleteLease(gatewayId: string) {
    this.leases.delete(gatewayId);
  }
  async saveUser(u: UserPresence) {
    this.maybeFail('saveUser');
    if (this.failUserSave?.(u)) throw Object.assign(new Error('connection closed'), { name: 'MongoNetworkError' });
    this.users.set(u.userId, { ...u });
  }
}

export interface Pushed {
  recipients: string[];
  event: 'presence:update' | 'typing' | 'user:updated';
  data: PushPayload<'presence:update'> | PushPayload<'typing'> | PushPayload<'user:updated'>;
}

export class FakePublisher implements Pick<PresencePublisher, keyof PresencePublisher> {
  readonly sent: Pushed[] = [];
  readonly probes: { gatewayId: string; at: number }[] = [];
  readonly forgets: { gatewayId: string; at: number; startedAt: number | null }[] = [];
  /** How many of the next sends fail (the broker away). */
  failing = 0;
  /** Where a probe goes (the test routes it back to the service, in partition order). */
  onProbe?: (gatewayId: string, at: number) => void;

  private record(p: Pushed): Promise<void> {
    if (this.failing > 0) {
      this.failing--;
      return Promise.reject(Object.assign(new Error('broker away'), { name: 'KafkaJSConnectionError' }));
    }
    if (p.recipients.length) this.sent.push({ ...p, recipients: [...p.recipients].sort() });
    return Promise.resolve();
  }

  /** The snapshot the service gave its router (a test may call it). */
  snapshot?: () => Promise<{ gatewayId: string; socketId: string; userId: string; at: number }[]>;

  routeFrom(snapshot: NonNullable<FakePublisher['snapshot']>): void {
    this.snapshot = snapshot;
  }

  presence(recipients: string[], update: PushPayload<'presence:update'>): Promise<void> {
    return this.record({ recipients, event: 'presence:update', data: update });
  }

  typing(recipients: string[], update: PushPayload<'typing'>): Promise<void> {
    return this.record({ recipients, event: 'typing', data: update });
  }

  userUpdated(recipients: string[], update: PushPayload<'user:updated'>): Promise<void> {
    return this.record({ recipients, event: 'user:updated', data: update });
  }

  probe(gatewayId: string, at: number): Promise<void> {
    this.probes.push({ gatewayId, at });
    this.onProbe?.(gatewayId, at);
    return Promise.resolve();
  }

  forgotten(gatewayId: string, at: number, startedAt: number | null): Promise<void> {
    this.forgets.push({ gatewayId, at, startedAt });
    return Promise.resolve();
  }

  presenceOf(userId: string): { recipients: string[]; online: boolean; lastSeenAt: string | null }[] {
    return this.sent
      .filter((p) => p.event === 'presence:update' && (p.data as PushPayload<'presence:update'>).userId === userId)
      .map((p) => {
        const d = p.data as PushPayload<'presence:update'>;
        return { recipients: p.recipients, online: d.online, lastSeenAt: d.lastSeenAt };
      });
  }

  typingIn(conversationId: string): { recipients: string[]; userId: string; typing: boolean }[] {
    return this.sent
      .filter((p) => p.event === 'typing' && (p.data as PushPayload<'typing'>).conversationId === conversationId)
      .map((p) => {
        const d = p.data as PushPayload<'typing'>;
        return { recipients: p.recipients, userId: d.userId, typing: d.typing };
      });
  }
}

/** A conversation.changed payload with the given members (all `member`). */
export function conversationChanged(id: string, memberIds: string[], version: number) {
  const at = new Date(0).toISOString();
  return {
    conversation: {
      id,
      type: 'group' as const,
      name: id,
      members: memberIds.map((userId) => ({ userId, role: 'member' as const, joinedAt: at })),
      createdAt: at,
      updatedAt: at,
      version,
    },
    change: 'created' as const,
    actorId: memberIds[0] ?? 'nobody',
    removed: [],
  };
}
