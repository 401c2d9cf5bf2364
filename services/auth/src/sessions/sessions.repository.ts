import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { SESSION_MODEL, type RevokeReason, type SessionDoc } from './sessions.schema';

/** The only code that touches the sessions collection. */
@Injectable()
export class SessionsRepository {
  constructor(@InjectModel(SESSION_MODEL) private readonly model: Model<SessionDoc>) {}

  async insert(doc: SessionDoc): Promise<void> {
    await this.model.create(doc);
  }

  findById(id: string): Promise<SessionDoc | null> {
    return this.model.findById(id).lean<SessionDoc>().exec();
  }

  /**
   * Swaps the live token for a new one, only if `oldHash` is still the live
   * one and the session is not revoked: of two refreshes racing with the same
   * token, exactly one gets a document back.
   */
  rotate(id: string, oldHash: string, update: Pick<SessionDoc, 'tokenHash' | 'previousHashes' | 'lastUsedAt' | 'expiresAt' | 'userAgent' | 'rotatedBy' | 'rotatedByCommands'>): Promise<SessionDoc | null> {
    return this.model
      .findOneAndUpdate({ _id: id, tokenHash: oldHash, revokedAt: null }, { $set: update }, { returnDocument: 'after' })
      .lean<SessionDoc>()
      .exec();
  }

  /** Ends a session (a second revocation keeps the first one's time and reason). */
  async revoke(id: string, reason: RevokeReason, at: Date): Promise<void> {
    await this.model.updateOne({ _id: id, revokedAt: null }, { $set: { revokedAt: at, revokeReason: reason } }).exec();
  }

  /** The user's sessions that are neither ended nor expired at `now`. */
  live(userId: string, now: Date): Promise<SessionDoc[]> {
    return this.model.find({ userId, revokedAt: null, expiresAt: { $gt: now } }).lean<SessionDoc[]>().exec();
  }

  /** Keeps the copied display name current, so a refresh answers the user as they are now. */
  async setProfile(userId: string, displayName: string, avatarUrl: string | null): Promise<void> {
    await this.model.updateMany({ userId }, { $set: { displayName, avatarUrl } }).exec();
  }
}
