import { Schema } from 'mongoose';

export const SESSION_MODEL = 'Session';

/**
 * One session: a login or registration and every refresh token rotated from
 * it (the token family). Only hashes of refresh tokens are stored.
 */
export interface SessionDoc {
  _id: string;
  userId: string;
  /** Copied from the credential at the start, so a refresh answers the user without another read. */
  username: string;
  displayName: string;
  avatarUrl?: string | null;
  /** sha256 of the one live refresh token. */
  tokenHash: string;
  /** sha256 of tokens rotated away (newest first, capped): presenting one of these is a replay. */
  previousHashes: string[];
  /**
   * The id of the refresh command that made the live token, whose value is derived from that id:
   * the same command redelivered (auth died between rotating and answering) answers the same token
   * instead of looking like a replay of the one it rotated away.
   */
  rotatedBy?: string | null;
  /**
   * The bus ids of the last refresh commands that rotated this session (newest first, capped).
   * Kafka may deliver a handled command again after auth dies (offsets are committed every
   * 500 ms): one that rotated an older token is such a redelivery, refused without ending the
   * session, while the same token in any other command is a replay.
   */
  rotatedByCommands?: string[];
  createdAt: Date;
  /** The last login or refresh. */
  lastUsedAt: Date;
  /** The client's User-Agent as of the last login or refresh (null when it sent none). */
  userAgent?: string | null;
  expiresAt: Date;
  revokedAt: Date | null;
  revokeReason: RevokeReason | null;
}

/** Why a session ended: the gateways hear it with `session.revoked`. */
export type RevokeReason = 'logout' | 'replay' | 'password' | 'deleted';

export const SessionMongoSchema = new Schema<SessionDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    username: { type: String, required: true },
    displayName: { type: String, required: true },
    avatarUrl: { type: String, default: null },
    tokenHash: { type: String, required: true },
    previousHashes: { type: [String], default: [] },
    rotatedBy: { type: String, default: null },
    rotatedByCommands: { type: [String], default: [] },
    createdAt: { type: Date, required: true },
    lastUsedAt: { type: Date, required: true },
    userAgent: { type: String, default: null },
    expiresAt: { type: Date, required: true },
    revokedAt: { type: Date, default: null },
    revokeReason: { type: String, default: null },
  },
  { versionKey: false, collection: 'sessions' },
);
SessionMongoSchema.index({ userId: 1 });
