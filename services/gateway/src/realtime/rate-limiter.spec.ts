import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('allows a burst of twice the rate, then refuses until tokens refill', () => {
    const limiter = new RateLimiter(5, true);
    const t0 = 1_000_000;
    const allowed = Array.from({ length: 12 }, () => limiter.take('u', t0)).filter(Boolean).length;
    expect(allowed).toBe(10);
    expect(limiter.take('u', t0 + 100)).toBe(false);
    expect(limiter.take('u', t0 + 250)).toBe(true);
  });

  it('keeps keys apart and lets everything through when disabled', () => {
    const limiter = new RateLimiter(1, true);
    expect(limiter.take('a', 0) && limiter.take('a', 0)).toBe(true);
    expect(limiter.take('a', 0)).toBe(false);
    expect(limiter.take('b', 0)).toBe(true);
    const off = new RateLimiter(1, false);
    expect(Array.from({ length: 100 }, () => off.take('a', 0)).every(Boolean)).toBe(true);
  });
});
