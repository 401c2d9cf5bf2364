import { Schema } from 'mongoose';

export const BLOCK_MODEL = 'Block';

/** One block: `blockerId` blocks `blockedId`. `_id` is `<blockerId>:<blockedId>`. */
export interface BlockDoc {
  _id: string;
  blockerId: string;
  blockedId: string;
  createdAt: Date;
}

export const BlockMongoSchema = new Schema<BlockDoc>(
  {
    _id: { type: String, required: true },
    blockerId: { type: String, required: true },
    blockedId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'blocks' },
);
BlockMongoSchema.index({ blockerId: 1 });
BlockMongoSchema.index({ blockedId: 1 });
