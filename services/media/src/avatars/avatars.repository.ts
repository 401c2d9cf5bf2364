import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { AVATAR_MODEL, type AvatarDoc } from './avatars.schema';

/** The only code that touches the avatars collection. */
@Injectable()
export class AvatarsRepository {
  constructor(@InjectModel(AVATAR_MODEL) private readonly model: Model<AvatarDoc>) {}

  async insert(doc: AvatarDoc): Promise<void> {
    await this.model.create(doc);
  }

  findById(id: string): Promise<AvatarDoc | null> {
    return this.model.findOne({ _id: id }).lean<AvatarDoc>().exec();
  }

  /** The user's avatars other than `keep`, stored before `before`. */
  findReplaced(userId: string, keep: string | null, before: Date): Promise<AvatarDoc[]> {
    return this.model.find({ userId, createdAt: { $lt: before }, ...(keep && { _id: { $ne: keep } }) }).lean<AvatarDoc[]>().exec();
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length) await this.model.deleteMany({ _id: { $in: ids } }).exec();
  }
}
