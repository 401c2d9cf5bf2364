import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { ChatError, LIMITS, nameString, parse, UsernameSchema, type User } from '@chat/contracts';
import { AVATARS_PATH } from '@chat/platform-media';
import { BlocksService } from '../blocks/blocks.service';
import { UsersPublisher } from '../publisher/users.publisher';
import { UsersRepository } from './users.repository';
import type { UserDoc } from './users.schema';

const NewUser = z.object({
  id: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/),
  username: UsernameSchema,
  displayName: nameString(LIMITS.displayNameMax),
});

export function toUser(doc: Pick<UserDoc, '_id' | 'username' | 'displayName' | 'avatarId'>): User {
  return { id: doc._id, username: doc.username, displayName: doc.displayName, avatarUrl: doc.avatarId ? `${AVATARS_PATH}/${doc.avatarId}` : null };
}

/** What a deleted account's user is called from then on. */
export const DELETED_USER_NAME = 'Deleted user';

/** Profiles: creation (from auth at registration), changes, lookup, prefix search, and the blocks users ask for. */
@Injectable()
export class UsersService {
  constructor(
    private readonly repo: UsersRepository,
    private readonly blocks: BlocksService,
    private readonly events: UsersPublisher,
  ) {}

  /**
   * Creates the user auth registered. Idempotent on the id: a retried command
   * answers the same user (and re-sends `user.registered` if it never went out).
   */
  async create(input: { id: string; username: string; displayName: string }, correlationId?: string): Promise<User> {
    const { id, username, displayName } = parse(NewUser, input);
    const doc: UserDoc = { _id: id, username, displayName, displayNameLower: displayName.toLowerCase(), published: false, createdAt: new Date() };
    let stored: UserDoc | null = doc;
    if (!(await this.repo.insert(doc))) {
      stored = await this.repo.findById(id);
      if (!stored) throw new ChatError('CONFLICT', 'the username is taken');
    }
    const user = toUser(stored);
    if (!stored.published) {
      await this.events.userRegistered(user, correlationId);
      await this.repo.markPublished(user.id);
    }
    return user;
  }

  async get(userId: string): Promise<User> {
    const doc = await this.repo.findById(userId);
    if (!doc) throw new ChatError('NOT_FOUND', 'no such user');
    return toUser(doc);
  }

  /** The users with these ids, in no particular order; unknown ids are left out. */
  async many(ids: string[]): Promise<User[]> {
    return (await this.repo.findByIds(ids)).map(toUser);
  }

  /** A new display name, announced as `user.updated` (a repeat announces it again). */
  async update(actorId: string, name: string, correlationId?: string): Promise<User> {
    const displayName = parse(nameString(LIMITS.displayNameMax), name);
    const current = await this.repo.findById(actorId);
    if (!current || current.deleted) throw new ChatError('NOT_FOUND', 'no such user');
    const doc = await this.repo.setProfile(actorId, displayName);
    if (!doc) throw new ChatError('NOT_FOUND', 'no such user');
    const user = toUser(doc);
    await this.events.userUpdated(user, false, correlationId);
    return user;
  }

  /** v1.1: the avatar media stored (or none), announced as `user.updated`; media then deletes the one it replaced. */
  async setAvatar(actorId: string, avatarId: string | null, correlationId?: string): Promise<User> {
    const doc = await this.repo.setAvatar(actorId, avatarId);
    if (!doc) throw new ChatError('NOT_FOUND', 'no such user');
    const user = toUser(doc);
    await this.events.userUpdated(user, false, correlationId);
    return user;
  }

  /** The record stays (history keeps its sender) as "Deleted user", out of search and new ties. */
  async markDeleted(userId: string, correlationId?: string): Promise<void> {
    const doc = await this.repo.setProfile(userId, DELETED_USER_NAME, true);
    if (doc) await this.events.userUpdated(toUser(doc), true, correlationId);
  }

  async block(actorId: string, userId: string): Promise<void> {
    if (userId !== actorId) await this.assertExist([userId]);
    await this.blocks.block(actorId, userId);
  }

  async unblock(actorId: string, userId: string): Promise<void> {
    if (userId !== actorId) await this.assertExist([userId]);
    await this.blocks.unblock(actorId, userId);
  }

  /** The users the actor blocks, ordered by username. */
  async blocked(actorId: string): Promise<User[]> {
    return byUsername(await this.many(await this.blocks.blockedBy(actorId)));
  }

  /** NOT_FOUND unless every id is a user whose account still exists (new contacts, direct conversations). */
  async assertActive(ids: string[]): Promise<void> {
    const unique = [...new Set(ids)];
    const found = await this.repo.findByIds(unique);
    if (found.length !== unique.length || found.some((u) => u.deleted)) throw new ChatError('NOT_FOUND', 'no such user');
  }

  /** Throws NOT_FOUND unless every id is a user. */
  async assertExist(ids: string[]): Promise<void> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return;
    const found = await this.repo.findByIds(unique);
    if (found.length !== unique.length) throw new ChatError('NOT_FOUND', 'no such user');
  }

  /**
   * Prefix match on username or display name, case-insensitive, ordered by username; the caller,
   * users who block the caller and deleted users excluded.
   */
  async search(actorId: string, query: string, limit: number): Promise<User[]> {
    const prefix = query.trim().toLowerCase();
    const excluded = [actorId, ...(await this.blocks.blockersOf(actorId))];
    const [byName, byDisplay] = await Promise.all([
      this.repo.searchPrefix('username', prefix, excluded, limit),
      prefix ? this.repo.searchPrefix('displayNameLower', prefix, excluded, limit) : Promise.resolve([]),
    ]);
    const merged = new Map<string, UserDoc>();
    for (const u of [...byName, ...byDisplay]) merged.set(u._id, u);
    return byUsername([...merged.values()].map(toUser)).slice(0, limit);
  }
}

/** Users ordered by username (lists the client shows as they come). */
export function byUsername(users: User[]): User[] {
  return users.sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
}
