import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { CREDENTIAL_MODEL, type CredentialDoc } from './accounts.schema';

/** The only code that touches the credentials collection. */
@Injectable()
export class AccountsRepository {
  constructor(@InjectModel(CREDENTIAL_MODEL) private readonly model: Model<CredentialDoc>) {}

  /** Inserts a credential; false when the username (or user id) exists already. */
  async insert(doc: CredentialDoc): Promise<boolean> {
    try {
      await this.model.create(doc);
      return true;
    } catch (err) {
      if (err && typeof err === 'object' && (err as { code?: unknown }).code === 11000) return false;
      throw err;
    }
  }

  findByUsername(username: string): Promise<CredentialDoc | null> {
    return this.model.findOne({ _id: username }).lean<CredentialDoc>().exec();
  }

  findByUserId(userId: string): Promise<CredentialDoc | null> {
    return this.model.findOne({ userId }).lean<CredentialDoc>().exec();
  }

  async setPasswordHash(username: string, passwordHash: string): Promise<void> {
    await this.model.updateOne({ _id: username }, { $set: { passwordHash } }).exec();
  }

  async setProfile(userId: string, displayName: string, avatarUrl: string | null): Promise<void> {
    await this.model.updateOne({ userId }, { $set: { displayName, avatarUrl } }).exec();
  }

  /** Marks the credential deleted; its password hash goes, its username stays taken. */
  async markDeleted(username: string, at: Date): Promise<void> {
    await this.model.updateOne({ _id: username }, { $set: { deletedAt: at, passwordHash: '' } }).exec();
  }
}
