import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { CONTACT_MODEL, type ContactDoc } from './contacts.schema';

const contactKey = (ownerId: string, contactId: string) => `${ownerId}:${contactId}`;

/** The only code that touches the contacts collection. */
@Injectable()
export class ContactsRepository {
  constructor(@InjectModel(CONTACT_MODEL) private readonly model: Model<ContactDoc>) {}

  /** Adds the contact if absent (an upsert: adding twice is one contact). */
  async add(ownerId: string, contactId: string): Promise<void> {
    await this.model
      .updateOne({ _id: contactKey(ownerId, contactId) }, { $setOnInsert: { ownerId, contactId, createdAt: new Date() } }, { upsert: true })
      .exec();
  }

  async remove(ownerId: string, contactId: string): Promise<void> {
    await this.model.deleteOne({ _id: contactKey(ownerId, contactId) }).exec();
  }

  async contactIds(ownerId: string): Promise<string[]> {
    const docs = await this.model.find({ ownerId }, { contactId: 1 }).lean<Pick<ContactDoc, 'contactId'>[]>().exec();
    return docs.map((d) => d.contactId);
  }

  /** Who has `contactId` as a contact. */
  async ownerIds(contactId: string): Promise<string[]> {
    const docs = await this.model.find({ contactId }, { ownerId: 1 }).lean<Pick<ContactDoc, 'ownerId'>[]>().exec();
    return docs.map((d) => d.ownerId);
  }
}
