import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { RateLimitRepository } from './rate-limit.repository';
import { RATE_COUNTER_MODEL, RateCounterMongoSchema } from './rate-limit.schema';
import { RateLimiter } from './rate-limiter.service';

@Module({
  imports: [MongooseModule.forFeature([{ name: RATE_COUNTER_MODEL, schema: RateCounterMongoSchema }])],
  providers: [RateLimitRepository, RateLimiter],
  exports: [RateLimiter],
})
export class RateLimitModule {}
