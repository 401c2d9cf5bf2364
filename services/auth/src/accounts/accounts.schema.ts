import { Schema } from 'mongoose';

export const CREDENTIAL_MODEL = 'Credential';

/** What a user logs in with. `_id` is the user's id everywhere; `username` is lower-case and unique. */
export interface CredentialDoc {
  _id: string;
  username: string;
  displayName: string;
  /** argon2id PHC string (parameters and salt inside). */
  passwordHash: string;
  createdAt: Date;
}

export const CredentialMongoSchema = new Schema<CredentialDoc>(
  {
    _id: { type: String, required: true },
    username: { type: String, required: true },
    displayName: { type: String, required: true },
    passwordHash: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'credentials' },
);
CredentialMongoSchema.index({ username: 1 }, { unique: true });
