import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ChatError } from '@chat/contracts';
import type { Env } from '../config';
import { RateLimitRepository } from './rate-limit.repository';

/** How failed attempts slow the next ones down (sign-in: per username and address together). */
export interface FailurePolicy {
  /** Failures that cost nothing: a person mistyping. */
  free: number;
  /** After those, each failure doubles the wait before the next attempt, from 1 s up to this. */
  maxDelaySec: number;
  /** Failures are forgotten this long after the last one. */
  forgetAfterSec: number;
}

/** Seconds to wait after the last of `count` failures before trying again. */
export function failureDelaySec(count: number, policy: FailurePolicy): number {
  return count < policy.free ? 0 : Math.min(2 ** (count - policy.free), policy.maxDelaySec);
}

export interface Limit {
  /** Names the counter, e.g. `login:user:alice`. */
  key: string;
  max: number;
  windowSec: number;
}

/**
 * Rate limits counted in the database, so every auth replica sees the same
 * counts (an address's logins spread over partitions): fixed windows of
 * attempts (take), and failed sign-ins that slow down the next ones
 * (checkFailures/recordFailure). An unknown user's failures count as a known
 * one's, so the answer cannot tell them apart.
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

  /**
   * RATE_LIMITED while the failures counted under `key` ask for a wait; otherwise
   * resolves to whether any are remembered (a success then forgets them). A wait,
   * never a lockout: whoever knows the password gets in once it has passed.
   */
  async checkFailures(key: string, policy: FailurePolicy): Promise<boolean> {
    if (!this.enabled) return false;
    const now = this.now();
    const seen = await this.store.failures(key, new Date(now));
    if (!seen) return false;
    const waitMs = failureDelaySec(seen.count, policy) * 1000 - (now - seen.lastAt.getTime());
    if (waitMs > 0) throw new ChatError('RATE_LIMITED', `too many failed sign-ins; try again in ${Math.ceil(waitMs / 1000)} s`);
    return true;
  }

  async recordFailure(key: string, policy: FailurePolicy): Promise<void> {
    if (!this.enabled) return;
    const now = this.now();
    await this.store.fail(key, new Date(now), new Date(now + policy.forgetAfterSec * 1000));
  }

  async forgetFailures(key: string): Promise<void> {
    if (!this.enabled) return;
    await this.store.forget(key);
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
