import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { ATTACHMENT_MODEL, type AttachmentDoc, type ClaimDoc } from './attachments.schema';

/** The only code that touches the attachments collection. */
@Injectable()
export class AttachmentsRepository {
  constructor(@InjectModel(ATTACHMENT_MODEL) private readonly model: Model<AttachmentDoc>) {}

  async insert(doc: AttachmentDoc): Promise<void> {
    await this.model.create(doc);
  }

  findById(id: string): Promise<AttachmentDoc | null> {
    return this.model.findOne({ _id: id }).lean<AttachmentDoc>().exec();
  }

  findByIds(ids: readonly string[]): Promise<AttachmentDoc[]> {
    return this.model.find({ _id: { $in: ids } }).lean<AttachmentDoc[]>().exec();
  }

  /** Takes an unclaimed upload for a send; false when it was claimed or swept meanwhile. */
  async claim(id: string, ownerId: string, claim: ClaimDoc): Promise<boolean> {
    // `sweptAt: null` also matches records written before the field existed.
    const res = await this.model.updateOne({ _id: id, ownerId, claim: null, sweptAt: null }, { $set: { claim } }).exec();
    return res.modifiedCount === 1;
  }

  /** Gives an upload back (a send that could not take all of its uploads). */
  async unclaim(id: string, claim: ClaimDoc): Promise<void> {
    await this.model.updateOne({ _id: id, 'claim.conversationId': claim.conversationId, 'claim.clientMsgId': claim.clientMsgId }, { $set: { claim: null } }).exec();
  }

  /**
   * Marks these uploads as being swept, each only if no send has claimed it,
   * and answers the ids marked (now or by an earlier sweep that did not finish).
   * After this no claim can take them, so their bytes can go.
   */
  async markSwept(ids: readonly string[], at: Date): Promise<string[]> {
    if (!ids.length) return [];
    await this.model.updateMany({ _id: { $in: ids }, claim: null, sweptAt: null }, { $set: { sweptAt: at } }).exec();
    const marked = await this.model.find({ _id: { $in: ids }, claim: null, sweptAt: { $ne: null } }, { _id: 1 }).lean<Pick<AttachmentDoc, '_id'>[]>().exec();
    return marked.map((d) => d._id);
  }

  /** Unclaimed uploads made before `before`, oldest first (those an unfinished sweep marked too). */
  findUnclaimed(before: Date, limit: number): Promise<AttachmentDoc[]> {
    return this.model.find({ claim: null, createdAt: { $lt: before } }).sort({ createdAt: 1 }).limit(limit).lean<AttachmentDoc[]>().exec();
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length) await this.model.deleteMany({ _id: { $in: ids } }).exec();
  }
}
