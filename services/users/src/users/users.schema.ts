import { Schema } from 'mongoose';

export const USER_MODEL = 'User';

/** A user's public profile. `username` is stored lower-cased (auth lower-cases it before the uniqueness check). */
export interface UserDoc {
  _id: string;
  username: string;
  displayName: string;
  /** Lower-case copy for case-insensitive prefix search (FerretDB has no collation). */
  displayNameLower: string;
  /** Whether `user.registered` has gone out; a retried create re-sends it when not. */
  published: boolean;
  createdAt: Date;
  /** v1.1: the account was deleted; the record stays (messages keep their sender) as "Deleted user". */
  deleted?: boolean;
  /** v1.1: the current avatar's id in the media service (absent or null: none). */
  avatarId?: string | null;
}

export const UserMongoSchema = new Schema<UserDoc>(
  {
    _id: { type: String, required: true },
    username: { type: String, required: true },
    displayName: { type: String, required: true },
    displayNameLower: { type: String, required: true },
    published: { type: Boolean, required: true, default: false },
    createdAt: { type: Date, required: true },
    deleted: { type: Boolean, default: false },
    avatarId: { type: String, default: null },
  },
  { versionKey: false, collection: 'users' },
);
UserMongoSchema.index({ username: 1 }, { unique: true });
UserMongoSchema.index({ displayNameLower: 1, username: 1 });
