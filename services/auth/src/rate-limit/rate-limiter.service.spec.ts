import { ConfigService } from '@nestjs/config';
import type { Env } from '../config';
import { failureDelaySec, RateLimiter } from './rate-limiter.service';

class FakeCounters {
  readonly counts = new Map<string, { count: number; expiresAt: Date }>();
  async hit(id: string, expiresAt: Date) {
    const c = this.counts.get(id) ?? { count: 0, expiresAt };
    c.count++;
    this.counts.set(id, c);
    return c.count;
  }
  readonly failed = new Map<string, { count: number; lastAt: Date; expiresAt: Date }>();
  async fail(id: string, at: Date, expiresAt: Date) {
    const f = this.failed.get(id) ?? { count: 0, lastAt: at, expiresAt };
    f.count++;
    f.lastAt = at;
    f.expiresAt = expiresAt;
    this.failed.set(id, f);
    return f.count;
  }
  async failures(id: string, now: Date) {
    const f = this.failed.get(id);
    return f && f.expiresAt >= now ? { count: f.count, lastAt: f.lastAt } : null;
  }
  async forget(id: string) {
    this.failed.delete(id);
  }
  async sweep(now: Date) {
    for (const [k, v] of this.counts) if (v.expiresAt < now) this.counts.delete(k);
  }
}

function limiterOf(store: FakeCounters, enabled: boolean, now: () => number): RateLimiter {
  const limiter = new RateLimiter(store as never, new ConfigService<Env, true>({ RATE_LIMITS: enabled ? 'on' : 'off' }));
  limiter.now = now;
  return limiter;
}

async function code(p: Promise<unknown>) {
  return p.then(
    () => 'ok',
    (e: { code?: string }) => e.code,
  );
}

describe('RateLimiter', () => {
  const limit = (key: string, max = 3) => ({ key, max, windowSec: 60 });

  it('allows max attempts per window, then RATE_LIMITED until the next window', async () => {
    let now = 120_000;
    const store = new FakeCounters();
    const limiter = limiterOf(store, true, () => now);
    for (let i = 0; i < 3; i++) expect(await code(limiter.take([limit('login:user:a')]))).toBe('ok');
    expect(await code(limiter.take([limit('login:user:a')]))).toBe('RATE_LIMITED');
    expect(await code(limiter.take([limit('login:user:b')]))).toBe('ok');
    now += 60_000;
    expect(await code(limiter.take([limit('login:user:a')]))).toBe('ok');
  });

  it('refuses when any one of several limits is over (per username and per address)', async () => {
    const limiter = limiterOf(new FakeCounters(), true, () => 0);
    for (let i = 0; i < 3; i++) await limiter.take([limit(`login:user:u${i}`), limit('login:addr:1.2.3.4')]);
    expect(await code(limiter.take([limit('login:user:fresh'), limit('login:addr:1.2.3.4')]))).toBe('RATE_LIMITED');
    expect(await code(limiter.take([limit('login:user:fresh'), limit('login:addr:5.6.7.8')]))).toBe('ok');
  });

  it('does nothing when rate limits are off', async () => {
    const store = new FakeCounters();
    const limiter = limiterOf(store, false, () => 0);
    for (let i = 0; i < 10; i++) expect(await code(limiter.take([limit('k', 1)]))).toBe('ok');
    expect(store.counts.size).toBe(0);
  });

  it('counters carry the end of their window, so the sweep removes finished windows only', async () => {
    let now = 0;
    const store = new FakeCounters();
    const limiter = limiterOf(store, true, () => now);
    await limiter.take([limit('a')]);
    now = 61_000;
    await limiter.take([limit('a')]);
    await store.sweep(new Date(now));
    expect([...store.counts.keys()]).toEqual(['a@60000']);
  });

  describe('failed sign-ins (finding 4: a growing delay, never a lockout)', () => {
    const policy = { free: 3, maxDelaySec: 60, forgetAfterSec: 3600 };

    it('costs nothing for the first failures, then doubles the wait from 1 s up to the maximum', () => {
      expect([0, 1, 2, 3, 4, 5, 6, 9, 20].map((n) => failureDelaySec(n, policy))).toEqual([0, 0, 0, 1, 2, 4, 8, 60, 60]);
    });

    it('asks to wait only until the delay has passed, and a success forgets the failures', async () => {
      let now = 1_000_000;
      const store = new FakeCounters();
      const limiter = limiterOf(store, true, () => now);
      for (let i = 0; i < 5; i++) {
        await limiter.checkFailures('k', policy);
        await limiter.recordFailure('k', policy);
        now += 10_000;
      }
      // 5 failures: 4 s after the last one. 10 s have passed since, so the owner may try at once.
      expect(await code(limiter.checkFailures('k', policy))).toBe('ok');
      await limiter.recordFailure('k', policy); // 6th: 8 s
      now += 7_000;
      expect(await code(limiter.checkFailures('k', policy))).toBe('RATE_LIMITED');
      now += 1_000;
      expect(await limiter.checkFailures('k', policy)).toBe(true);
      await limiter.forgetFailures('k');
      expect(await limiter.checkFailures('k', policy)).toBe(false);
    });

    it('keeps each key apart: failures under one key never slow another', async () => {
      const store = new FakeCounters();
      const limiter = limiterOf(store, true, () => 0);
      for (let i = 0; i < 10; i++) await limiter.recordFailure('login:fail:alice@6.6.6.6', policy);
      expect(await code(limiter.checkFailures('login:fail:alice@6.6.6.6', policy))).toBe('RATE_LIMITED');
      expect(await code(limiter.checkFailures('login:fail:alice@1.2.3.4', policy))).toBe('ok');
    });
  });
});

