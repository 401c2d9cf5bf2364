import { Schema } from 'mongoose';

export const CREDENTIAL_MODEL = 'Credential';

/**
 * What a user logs in with, keyed by the lower-case username: a login is one
 * `_id` lookup, which FerretDB's SQLite backend answers from its primary key
 * (it pushes down no other filter, so any other field means a full scan).
 * `userId` is the user's id everywhere else.
 */
export interface CredentialDoc {
  _id: string;
  userId: string;
  /** The same as `_id`; kept with its unique index so credentials of the earlier shape (keyed by user id) still fence the name. */
  username: string;
  displayName: string;
  /** v1.1: copied from `user.updated`, so a login answers the current avatar. */
  avatarUrl?: string | null;
  /** argon2id PHC string (parameters and salt inside). */
  passwordHash: string;
  createdAt: Date;
  /** v1.1: set when the account was deleted; the credential stays so the username is never reused. */
  deletedAt?: Date | null;
}

export const CredentialMongoSchema = new Schema<CredentialDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    username: { type: String, required: true },
    displayName: { type: String, required: true },
    avatarUrl: { type: String, default: null },
    passwordHash: { type: String, required: true },
    createdAt: { type: Date, required: true },
    deletedAt: { type: Date, default: null },
  },
  { versionKey: false, collection: 'credentials' },
);
CredentialMongoSchema.index({ username: 1 }, { unique: true });
CredentialMongoSchema.index({ userId: 1 }, { unique: true });
