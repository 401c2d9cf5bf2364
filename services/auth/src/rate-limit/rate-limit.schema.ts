import { Schema } from 'mongoose';

export const RATE_COUNTER_MODEL = 'RateCounter';

/** Hits of one key in one fixed window: `_id` is `<key>@<windowStartMs>`. */
export interface RateCounterDoc {
  _id: string;
  count: number;
  /** When the window is over and the counter may be swept (no TTL indexes on FerretDB). */
  expiresAt: Date;
}

export const RateCounterMongoSchema = new Schema<RateCounterDoc>(
  {
    _id: { type: String, required: true },
    count: { type: Number, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'rate_counters' },
);
RateCounterMongoSchema.index({ expiresAt: 1 });
