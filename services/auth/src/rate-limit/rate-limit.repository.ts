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

  async sweep(now: Date): Promise<void> {
    await this.model.deleteMany({ expiresAt: { $lt: now } }).exec();
  }
}
