import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { ChatError, LIMITS, type Role } from '@chat/contracts';
import { directPairKey, type ConversationCore } from '@chat/contracts/bus';
import { BlocksService } from '../blocks/blocks.service';
import { UsersPublisher } from '../publisher/users.publisher';
import { UsersService } from '../users/users.service';
import { ConversationsRepository } from './conversations.repository';
import type { ConversationDoc, MemberDoc, Outbox } from './conversations.schema';

/** The next state of a conversation and the event it owes, or null when the command changes nothing. */
type Step = { next: Pick<ConversationDoc, 'name' | 'members'> & { deleted?: boolean }; outbox: Outbox } | null;

const MAX_ATTEMPTS = 10;

export function toCore(doc: ConversationDoc): ConversationCore {
  return {
    id: doc._id,
    type: doc.type,
    name: doc.name,
    members: doc.members.map((m) => ({ userId: m.userId, role: m.role, joinedAt: m.joinedAt })),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    version: doc.version,
  };
}

/** A conversation id derived from the command's envelope id: a redelivered command makes the same one, not a second. */
export function idFor(requestId: string): string {
  return createHash('sha256').update(requestId).digest('hex').slice(0, 24);
}

/**
 * The id of a pair's direct conversation, derived from the pair: finding it
 * is one `_id` lookup (FerretDB's SQLite backend serves nothing else from an
 * index), and two first messages at once make the same id, so one insert wins.
 */
export function directIdFor(key: string): string {
  return idFor(`direct:${key}`);
}

const canManage = (role: Role) => role === 'owner' || role === 'admin';

/**
 * Conversations' membership: the direct conversation of a pair, and groups
 * with their roles, exactly as the protocol's "who may" column says. Every
 * change bumps `version` (conditioned on the version read, retried on
 * conflict) and publishes the full state as `conversation.changed`.
 */
@Injectable()
export class ConversationsService {
  /** The clock; tests set their own. */
  now: () => Date = () => new Date();

  constructor(
    private readonly repo: ConversationsRepository,
    private readonly users: UsersService,
    private readonly blocks: BlocksService,
    private readonly events: UsersPublisher,
  ) {}

  /** The one 1:1 conversation of the pair; made (and announced) on first use only. */
  async direct(actorId: string, peerId: string): Promise<ConversationCore> {
    if (peerId === actorId) throw new ChatError('VALIDATION_FAILED', 'a direct conversation needs another user');
    // A deleted account is NOT_FOUND; a peer who blocks the actor is FORBIDDEN, even for an existing conversation.
    await this.users.assertActive([actorId, peerId]);
    await this.blocks.assertNotBlockedBy(actorId, [peerId]);
    const key = directPairKey(actorId, peerId);
    const id = directIdFor(key);
    const existing = await this.repo.findById(id);
    if (existing) return toCore(await this.flush(existing));
    const at = this.now().toISOString();
    const doc: ConversationDoc = {
      _id: id,
      type: 'direct',
      name: null,
      members: [actorId, peerId].map((userId) => ({ userId, role: 'member', joinedAt: at })),
      directKey: key,
      createdAt: at,
      updatedAt: at,
      version: 1,
      publishedVersion: 0,
      outbox: { kind: 'changed', change: 'created', actorId, removed: [] },
      deleted: false,
    };
    if (await this.repo.insert(doc)) return toCore(await this.flush(doc));
    // Someone made it at the same moment (or this is a redelivery): theirs is the one. A pair's
    // conversation stored before ids were derived from the pair is found by its unique directKey.
    const raced = (await this.repo.findById(id)) ?? (await this.repo.findByDirectKey(key));
    if (!raced) throw new ChatError('UNAVAILABLE', 'conversation is being created; try again');
    return toCore(await this.flush(raced));
  }

  async createGroup(actorId: string, name: string, memberIds: string[], requestId: string): Promise<ConversationCore> {
    const others = [...new Set(memberIds)].filter((id) => id !== actorId);
    if (others.length + 1 > LIMITS.groupMembersMax) throw new ChatError('VALIDATION_FAILED', `a group has at most ${LIMITS.groupMembersMax} members`);
    await this.users.assertExist([actorId, ...others]);
    await this.blocks.assertNotBlockedBy(actorId, others);
    const id = idFor(requestId);
    const at = this.now().toISOString();
    const doc: ConversationDoc = {
      _id: id,
      type: 'group',
      name,
      members: [
        { userId: actorId, role: 'owner', joinedAt: at },
        ...others.map((userId): MemberDoc => ({ userId, role: 'member', joinedAt: at })),
      ],
      directKey: `g:${id}`,
      createdAt: at,
      updatedAt: at,
      version: 1,
      publishedVersion: 0,
      outbox: { kind: 'changed', change: 'created', actorId, removed: [] },
      deleted: false,
    };
    if (await this.repo.insert(doc)) return toCore(await this.flush(doc));
    // A redelivered command: the group it made the first time.
    const again = await this.repo.findById(id);
    if (!again || again.deleted || !again.members.some((m) => m.userId === actorId)) throw new ChatError('CONFLICT', 'the group could not be created');
    return toCore(await this.flush(again));
  }

  rename(actorId: string, conversationId: string, name: string): Promise<ConversationCore> {
    return this.change(conversationId, actorId, (doc, me) => {
      if (!canManage(me.role)) throw new ChatError('FORBIDDEN', 'only admins and the owner may rename the group');
      if (doc.name === name) return null;
      return { next: { name, members: doc.members }, outbox: { kind: 'changed', change: 'renamed', actorId, removed: [] } };
    }).then(toCore);
  }

  async addMembers(actorId: string, conversationId: string, userIds: string[]): Promise<ConversationCore> {
    let checked = false;
    const doc = await this.change(conversationId, actorId, async (doc, me) => {
      if (!canManage(me.role)) throw new ChatError('FORBIDDEN', 'only admins and the owner may add members');
      if (!checked) {
        await this.users.assertExist(userIds);
        await this.blocks.assertNotBlockedBy(actorId, userIds);
        checked = true;
      }
      const present = new Set(doc.members.map((m) => m.userId));
      const added = [...new Set(userIds)].filter((id) => !present.has(id));
      if (added.length === 0) return null;
      if (doc.members.length + added.length > LIMITS.groupMembersMax) {
        throw new ChatError('VALIDATION_FAILED', `a group has at most ${LIMITS.groupMembersMax} members`);
      }
      const at = this.now().toISOString();
      const members = [...doc.members, ...added.map((userId): MemberDoc => ({ userId, role: 'member', joinedAt: at }))];
      return { next: { name: doc.name, members }, outbox: { kind: 'changed', change: 'members_added', actorId, removed: [] } };
    });
    return toCore(doc);
  }

  async removeMember(actorId: string, conversationId: string, userId: string): Promise<ConversationCore> {
    const doc = await this.change(conversationId, actorId, (doc, me) => {
      if (userId === actorId) throw new ChatError('VALIDATION_FAILED', 'to remove yourself, leave the group');
      if (!canManage(me.role)) throw new ChatError('FORBIDDEN', 'only admins and the owner may remove members');
      const target = doc.members.find((m) => m.userId === userId);
      if (!target) throw new ChatError('NOT_FOUND', 'no such member');
      if (target.role === 'owner') throw new ChatError('FORBIDDEN', 'nobody removes the owner');
      if (target.role === 'admin' && me.role !== 'owner') throw new ChatError('FORBIDDEN', 'only the owner removes admins');
      return {
        next: { name: doc.name, members: doc.members.filter((m) => m.userId !== userId) },
        outbox: { kind: 'changed', change: 'member_removed', actorId, removed: [{ userId, reason: 'removed' }] },
      };
    });
    return toCore(doc);
  }

  async setRole(actorId: string, conversationId: string, userId: string, role: 'admin' | 'member'): Promise<ConversationCore> {
    const doc = await this.change(conversationId, actorId, (doc, me) => {
      if (me.role !== 'owner') throw new ChatError('FORBIDDEN', 'only the owner sets roles');
      const target = doc.members.find((m) => m.userId === userId);
      if (!target) throw new ChatError('NOT_FOUND', 'no such member');
      if (target.role === 'owner') throw new ChatError('FORBIDDEN', "the owner's role cannot be set");
      if (target.role === role) return null;
      return {
        next: { name: doc.name, members: doc.members.map((m) => (m.userId === userId ? { ...m, role } : m)) },
        outbox: { kind: 'changed', change: 'role_changed', actorId, removed: [] },
      };
    });
    return toCore(doc);
  }

  /** Leaves; an owner hands ownership to the longest-standing admin, else member; the last one out deletes. */
  async leave(actorId: string, conversationId: string): Promise<void> {
    await this.change(conversationId, actorId, (doc, me) => {
      const rest = doc.members.filter((m) => m.userId !== actorId);
      if (rest.length === 0) {
        return { next: { name: doc.name, members: doc.members, deleted: true }, outbox: { kind: 'deleted', actorId, memberIds: [actorId] } };
      }
      let change: 'member_left' | 'owner_changed' = 'member_left';
      let members = rest;
      if (me.role === 'owner') {
        const heir = longestStanding(rest.filter((m) => m.role === 'admin')) ?? longestStanding(rest)!;
        members = rest.map((m) => (m.userId === heir.userId ? { ...m, role: 'owner' as const } : m));
        change = 'owner_changed';
      }
      return { next: { name: doc.name, members }, outbox: { kind: 'changed', change, actorId, removed: [{ userId: actorId, reason: 'left' }] } };
    });
  }

  /** The ids of the live groups the user is a member of (account deletion leaves each). */
  groupsOf(userId: string): Promise<string[]> {
    return this.repo.groupIdsOf(userId);
  }

  async deleteGroup(actorId: string, conversationId: string): Promise<void> {
    await this.change(conversationId, actorId, (doc, me) => {
      if (me.role !== 'owner') throw new ChatError('FORBIDDEN', 'only the owner deletes the group');
      return {
        next: { name: doc.name, members: doc.members, deleted: true },
        outbox: { kind: 'deleted', actorId, memberIds: doc.members.map((m) => m.userId) },
      };
    });
  }

  /**
   * Reads the group, checks the caller is in it, computes the next state and
   * writes it conditioned on the version read (retrying when someone else
   * changed it first), then publishes its event.
   */
  private async change(
    conversationId: string,
    actorId: string,
    decide: (doc: ConversationDoc, me: MemberDoc) => Step | Promise<Step>,
  ): Promise<ConversationDoc> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      let doc = await this.repo.findById(conversationId);
      if (doc && doc.publishedVersion < doc.version) doc = await this.flush(doc);
      const me = doc && !doc.deleted ? doc.members.find((m) => m.userId === actorId) : undefined;
      if (!doc || doc.deleted || !me) throw new ChatError('NOT_FOUND', 'no such conversation');
      if (doc.type !== 'group') throw new ChatError('VALIDATION_FAILED', 'not a group');
      const step = await decide(doc, me);
      if (!step) return doc;
      const next: ConversationDoc = {
        ...doc,
        name: step.next.name,
        members: step.next.members,
        deleted: step.next.deleted ?? false,
        updatedAt: this.now().toISOString(),
        version: doc.version + 1,
        outbox: step.outbox,
      };
      if (await this.repo.replace(next, doc.version)) return this.flush(next);
    }
    throw new ChatError('UNAVAILABLE', 'the conversation is busy; try again');
  }

  /** Sends the event a document owes, if any, and marks it sent (or removes a deleted group's tombstone). */
  private async flush(doc: ConversationDoc): Promise<ConversationDoc> {
    if (doc.publishedVersion >= doc.version || !doc.outbox) return doc;
    const o = doc.outbox;
    if (o.kind === 'deleted') {
      await this.events.conversationDeleted({ conversationId: doc._id, memberIds: o.memberIds, actorId: o.actorId, version: doc.version });
      await this.repo.remove(doc._id, doc.version);
    } else {
      await this.events.conversationChanged({ conversation: toCore(doc), change: o.change, actorId: o.actorId, removed: o.removed });
      await this.repo.markPublished(doc._id, doc.version);
    }
    return { ...doc, publishedVersion: doc.version, outbox: null };
  }
}

function longestStanding(members: MemberDoc[]): MemberDoc | undefined {
  let best: MemberDoc | undefined;
  for (const m of members) if (!best || m.joinedAt < best.joinedAt) best = m;
  return best;
}
