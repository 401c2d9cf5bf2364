import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { BLOCK_MODEL, type BlockDoc } from './blocks.schema';

const blockKey = (blockerId: string, blockedId: string) => `${blockerId}:${blockedId}`;

/** The only code that touches the blocks collection. */
@Injectable()
export class BlocksRepository {
  constructor(@InjectModel(BLOCK_MODEL) private readonly model: Model<BlockDoc>) {}

  /** An upsert: blocking twice is one block. */
  async add(blockerId: string, blockedId: string): Promise<void> {
    await this.model
      .updateOne({ _id: blockKey(blockerId, blockedId) }, { $setOnInsert: { blockerId, blockedId, createdAt: new Date() } }, { upsert: true })
      .exec();
  }

  async remove(blockerId: string, blockedId: string): Promise<void> {
    await this.model.deleteOne({ _id: blockKey(blockerId, blockedId) }).exec();
  }

  async exists(blockerId: string, blockedId: string): Promise<boolean> {
    return (await this.model.exists({ _id: blockKey(blockerId, blockedId) }).exec()) !== null;
  }

  /** Whom `blockerId` blocks. */
  async blockedBy(blockerId: string): Promise<string[]> {
    const docs = await this.model.find({ blockerId }, { blockedId: 1 }).lean<Pick<BlockDoc, 'blockedId'>[]>().exec();
    return docs.map((d) => d.blockedId);
  }

  /** Who blocks `blockedId`. */
  async blockersOf(blockedId: string): Promise<string[]> {
    const docs = await this.model.find({ blockedId }, { blockerId: 1 }).lean<Pick<BlockDoc, 'blockerId'>[]>().exec();
    return docs.map((d) => d.blockerId);
  }
}
