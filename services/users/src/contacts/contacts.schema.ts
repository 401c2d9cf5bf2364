import { Schema } from 'mongoose';

export const CONTACT_MODEL = 'Contact';

/** One directed contact: `ownerId` keeps `contactId` in their list. `_id` is `<ownerId>:<contactId>`. */
export interface ContactDoc {
  _id: string;
  ownerId: string;
  contactId: string;
  createdAt: Date;
}

export const ContactMongoSchema = new Schema<ContactDoc>(
  {
    _id: { type: String, required: true },
    ownerId: { type: String, required: true },
    contactId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'contacts' },
);
ContactMongoSchema.index({ ownerId: 1, contactId: 1 });
ContactMongoSchema.index({ contactId: 1 });
