import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { RATE_COUNTER_MODEL, type RateCounterDoc } from './rate-limit.schema';

/** The only code that touches the rate counters: one atomic $inc per hit, shared by every replica. */
@Injectable()
export class RateLimitRepository {
  constructor(@InjectModel(RATE_COUNTER_MODEL) private readonly model: Model<RateCounterDoc>) {}

  /** Counts one hit and returns the window's count including it. */
  async hit(id: string, expiresAt: Date): Promise<number> {
    const doc = await this.model
      .findOneAndUpdate({ _id: id }, { $inc: { count: 1 }, $setOnInsert: { expiresAt } }, { upsert: true, returnDocument: 'after' })
      .lean<RateCounterDoc>()
      .exec();
    return doc?.count ?? 1;
  }

  /** Counts one failure of `id` at `at`, keeping it until `expiresAt`; returns the failures so far. */
  async fail(id: string, at: Date, expiresAt: Date): Promise<number> {
    const doc = await this.model
      .findOneAndUpdate({ _id: id }, { $inc: { count: 1 }, $set: { lastAt: at, expiresAt } }, { upsert: true, returnDocument: 'after' })
      .lean<RateCounterDoc>()
      .exec();
    return doc?.count ?? 1;
  }

  /** The failures of `id` still remembered at `now`, or null. */
  async failures(id: string, now: Date): Promise<{ count: number; lastAt: Date } | null> {
    const doc = await this.model.findById(id).lean<RateCounterDoc>().exec();
    if (!doc?.lastAt || doc.expiresAt < now) return null;
    return { count: doc.count, lastAt: doc.lastAt };
  }

  async forget(id: string): Promise<void> {
    await this.model.deleteOne({ _id: id }).exec();
  }

  async sweep(now: Date): Promise<void> {
    await this.model.deleteMany({ expiresAt: { $lt: now } }).exec();
  }
}
