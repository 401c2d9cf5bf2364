import { Schema } from 'mongoose';

export const RATE_COUNTER_MODEL = 'RateCounter';

/**
 * Hits of one key in one fixed window (`_id` is `<key>@<windowStartMs>`), or the
 * failed sign-ins of one username from one address (`_id` is the key, `lastAt` set).
 */
export interface RateCounterDoc {
  _id: string;
  count: number;
  /** Failures only: when the last one happened (the wait before the next attempt runs from it). */
  lastAt?: Date;
  /** When the window is over and the counter may be swept (no TTL indexes on FerretDB). */
  expiresAt: Date;
}

export const RateCounterMongoSchema = new Schema<RateCounterDoc>(
  {
    _id: { type: String, required: true },
    count: { type: Number, required: true },
    lastAt: { type: Date },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'rate_counters' },
);
RateCounterMongoSchema.index({ expiresAt: 1 });
