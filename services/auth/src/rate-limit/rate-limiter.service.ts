import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ChatError } from '@chat/contracts';
import type { Env } from '../config';
import { RateLimitRepository } from './rate-limit.repository';

export interface Limit {
  /** Names the counter, e.g. `login:user:alice`. */
  key: string;
  max: number;
  windowSec: number;
}

/**
 * Fixed-window rate limits counted in the database, so every auth replica
 * sees the same counts (an address's logins spread over partitions). Every
 * attempt counts, successful or not, so the answer cannot tell a known user
 * from an unknown one.
 */
@Injectable()
export class RateLimiter implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger(RateLimiter.name);
  private sweeper?: NodeJS.Timeout;
  private readonly enabled: boolean;
  /** The clock; tests set their own. */
  now: () => number = Date.now;

  constructor(
    private readonly store: RateLimitRepository,
    config: ConfigService<Env, true>,
  ) {
    this.enabled = config.get('RATE_LIMITS', { infer: true }) === 'on';
  }

  /** Counts one attempt against each limit; RATE_LIMITED when any is over. */
  async take(limits: Limit[]): Promise<void> {
    if (!this.enabled) return;
    const now = this.now();
    const counts = await Promise.all(
      limits.map((l) => {
        const windowMs = l.windowSec * 1000;
        const start = Math.floor(now / windowMs) * windowMs;
        return this.store.hit(`${l.key}@${start}`, new Date(start + windowMs));
      }),
    );
    if (counts.some((n, i) => n > limits[i]!.max)) throw new ChatError('RATE_LIMITED', 'too many attempts; try again later');
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    this.sweeper = setInterval(() => {
      this.store.sweep(new Date(this.now())).catch((err: unknown) => this.log.warn(`rate counter sweep failed: ${(err as Error).message}`));
    }, 60_000);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }
}
