import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { MongooseModule } from '@nestjs/mongoose';
import type { Env } from '../config';
import { RateLimitRepository } from './rate-limit.repository';
import { RATE_COUNTER_MODEL, RateCounterMongoSchema } from './rate-limit.schema';
import { RateLimiter } from './rate-limiter.service';

@Module({
  imports: [MongooseModule.forFeature([{ name: RATE_COUNTER_MODEL, schema: RateCounterMongoSchema }])],
  providers: [
    RateLimitRepository,
    {
      provide: RateLimiter,
      inject: [RateLimitRepository, ConfigService],
      useFactory: (repo: RateLimitRepository, config: ConfigService<Env, true>) => new RateLimiter(repo, config.get('RATE_LIMITS', { infer: true }) === 'on'),
    },
  ],
  exports: [RateLimiter],
})
export class RateLimitModule {}
