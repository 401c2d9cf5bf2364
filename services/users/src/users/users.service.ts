import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { ChatError, LIMITS, nameString, parse, UsernameSchema, type User } from '@chat/contracts';
import { UsersPublisher } from '../publisher/users.publisher';
import { UsersRepository } from './users.repository';
import type { UserDoc } from './users.schema';

const NewUser = z.object({
  id: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/),
  username: UsernameSchema,
  displayName: nameString(LIMITS.displayNameMax),
});

export function toUser(doc: Pick<UserDoc, '_id' | 'username' | 'displayName'>): User {
  return { id: doc._id, username: doc.username, displayName: doc.displayName };
}

/** Profiles: creation (from auth at registration), lookup and prefix search. */
@Injectable()
export class UsersService {
  constructor(
    private readonly repo: UsersRepository,
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

  /** Throws NOT_FOUND unless every id is a user. */
  async assertExist(ids: string[]): Promise<void> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return;
    const found = await this.repo.findByIds(unique);
    if (found.length !== unique.length) throw new ChatError('NOT_FOUND', 'no such user');
  }

  /** Prefix match on username or display name, case-insensitive, ordered by username, the caller excluded. */
  async search(actorId: string, query: string, limit: number): Promise<User[]> {
    const prefix = query.trim().toLowerCase();
    const [byName, byDisplay] = await Promise.all([
      this.repo.searchPrefix('username', prefix, actorId, limit),
      prefix ? this.repo.searchPrefix('displayNameLower', prefix, actorId, limit) : Promise.resolve([]),
    ]);
    const merged = new Map<string, UserDoc>();
    for (const u of [...byName, ...byDisplay]) merged.set(u._id, u);
    return [...merged.values()]
      .sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0))
      .slice(0, limit)
      .map(toUser);
  }
}
