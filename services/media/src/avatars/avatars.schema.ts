import { Schema } from 'mongoose';

export const AVATAR_MODEL = 'Avatar';

/** One stored avatar image (`avatars/<_id>` in the object store); the users service says which one is current. */
export interface AvatarDoc {
  _id: string;
  userId: string;
  createdAt: Date;
}

export const AvatarMongoSchema = new Schema<AvatarDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'avatars' },
);
AvatarMongoSchema.index({ userId: 1, createdAt: 1 });
