import { ConfigService } from '@nestjs/config';
import type { Env } from '../config';
import { RateLimiter } from './rate-limiter.service';

class FakeCounters {
  readonly counts = new Map<string, { count: number; expiresAt: Date }>();
  async hit(id: string, expiresAt: Date) {
    const c = this.counts.get(id) ?? { count: 0, expiresAt };
    c.count++;
    this.counts.set(id, c);
    return c.count;
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
});
