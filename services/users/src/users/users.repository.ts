import { findByIds } from '@chat/platform-mongo';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { USER_MODEL, type UserDoc } from './users.schema';

/** The highest code point: `prefix + MAX` bounds every string that starts with `prefix` (binary order). */
const MAX_CHAR = '\u{10FFFF}';

export function isDuplicateKey(err: unknown): boolean {
  return !!err && typeof err === 'object' && (err as { code?: unknown }).code === 11000;
}

/** The only code that touches the users collection. */
@Injectable()
export class UsersRepository {
  constructor(@InjectModel(USER_MODEL) private readonly model: Model<UserDoc>) {}

  /** Inserts a user; false when the id or the username already exists. */
  async insert(doc: UserDoc): Promise<boolean> {
    try {
      await this.model.create(doc);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  findById(id: string): Promise<UserDoc | null> {
    return this.model.findById(id).lean<UserDoc>().exec();
  }

  findByIds(ids: string[]): Promise<UserDoc[]> {
    return findByIds(
      ids,
      (id) => this.findById(id),
      (many) => this.model.find({ _id: { $in: many } }).lean<UserDoc[]>().exec(),
    );
  }

  async markPublished(id: string): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { published: true } }).exec();
  }

  /** Live users whose `field` starts with `prefix` (both lower-case), ordered by username, without `excludeIds`. */
  searchPrefix(field: 'username' | 'displayNameLower', prefix: string, excludeIds: string[], limit: number): Promise<UserDoc[]> {
    const range = prefix ? { $gte: prefix, $lt: prefix + MAX_CHAR } : { $exists: true };
    return this.model
      .find({ [field]: range, _id: { $nin: excludeIds }, deleted: { $ne: true } })
      .sort({ username: 1 })
      .limit(limit)
      .lean<UserDoc[]>()
      .exec();
  }

  /** v1.1: the current avatar (null: none) of a live user; the updated user, or null when unknown or deleted. */
  setAvatar(id: string, avatarId: string | null): Promise<UserDoc | null> {
    return this.model.findOneAndUpdate({ _id: id, deleted: { $ne: true } }, { $set: { avatarId } }, { returnDocument: 'after' }).lean<UserDoc>().exec();
  }

  /** A new display name (and, for a deletion, the mark); the updated user, or null when unknown. */
  setProfile(id: string, displayName: string, deleted?: true): Promise<UserDoc | null> {
    // A deleted account's avatar goes with it.
    const set = { displayName, displayNameLower: displayName.toLowerCase(), ...(deleted ? { deleted, avatarId: null } : {}) };
    return this.model.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: 'after' }).lean<UserDoc>().exec();
  }
}
