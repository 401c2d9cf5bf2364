import { Schema } from 'mongoose';

export const ATTACHMENT_MODEL = 'Attachment';

/** The send that took an upload: a retried send (same clientMsgId) finds its own claim. */
export interface ClaimDoc {
  conversationId: string;
  clientMsgId: string;
}

/** One upload. Its bytes live in the object store under `a/<_id>/original` (and `a/<_id>/thumbnail`). */
export interface AttachmentDoc {
  _id: string;
  ownerId: string;
  /** The client's file name, cleaned (last path segment, at most 255 characters). */
  name: string;
  size: number;
  /** Sniffed from the bytes. */
  contentType: string;
  width: number | null;
  height: number | null;
  thumbnail: boolean;
  createdAt: Date;
  /** Null until a message takes it; uploads still null after UNCLAIMED_TTL_SEC are swept. */
  claim: ClaimDoc | null;
  /**
   * Set by the sweeper, only while `claim` is null, before it deletes anything:
   * from then on no send can take the upload. Absent on records before it existed.
   */
  sweptAt?: Date | null;
}

export const AttachmentMongoSchema = new Schema<AttachmentDoc>(
  {
    _id: { type: String, required: true },
    ownerId: { type: String, required: true },
    name: { type: String, required: true },
    size: { type: Number, required: true },
    contentType: { type: String, required: true },
    width: { type: Number, default: null },
    height: { type: Number, default: null },
    thumbnail: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
    claim: { type: new Schema<ClaimDoc>({ conversationId: String, clientMsgId: String }, { _id: false }), default: null },
    sweptAt: { type: Date, default: null },
  },
  { versionKey: false, collection: 'attachments' },
);
// The sweeper's query: unclaimed uploads, oldest first.
AttachmentMongoSchema.index({ claim: 1, createdAt: 1 });
