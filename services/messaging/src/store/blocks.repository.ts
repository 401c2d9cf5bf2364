import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { BLOCK_MODEL, type BlockDoc } from './store.schema';

const blockKey = (blockerId: string, blockedId: string) => `${blockerId}:${blockedId}`;

/** The only code that touches messaging's copy of blocks: one `_id` lookup per sender of a direct conversation the owner caches. */
@Injectable()
export class BlocksRepository {
  constructor(@InjectModel(BLOCK_MODEL) private readonly model: Model<BlockDoc>) {}

  async set(blockerId: string, blockedId: string, blocked: boolean): Promise<void> {
    const _id = blockKey(blockerId, blockedId);
    if (blocked) await this.model.updateOne({ _id }, { $set: { blockerId, blockedId } }, { upsert: true }).exec();
    else await this.model.deleteOne({ _id }).exec();
  }

  async blocks(blockerId: string, blockedId: string): Promise<boolean> {
    return (await this.model.exists({ _id: blockKey(blockerId, blockedId) }).exec()) !== null;
  }
}
