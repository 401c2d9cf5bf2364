import { SocketQuota } from './socket-quota';

describe('SocketQuota', () => {
  it('admits up to the per-user bound, and again once a socket closes', () => {
    const q = new SocketQuota(2, 100, true);
    expect(q.take('u1', 'a')).toBe(true);
    expect(q.take('u1', 'b')).toBe(true);
    expect(q.take('u1', 'c')).toBe(false);
    expect(q.take('u2', 'a')).toBe(true);
    q.release('u1', 'a');
    expect(q.take('u1', 'c')).toBe(true);
  });

  it('admits up to the per-address bound whoever the users are, and a refusal takes nothing', () => {
    const q = new SocketQuota(10, 2, true);
    expect(q.take('u1', 'a')).toBe(true);
    expect(q.take('u2', 'a')).toBe(true);
    expect(q.take('u3', 'a')).toBe(false);
    expect(q.take('u3', 'b')).toBe(true);
    // u3's refused socket on "a" was not counted: after one release, "a" has room for exactly one.
    q.release('u1', 'a');
    expect(q.take('u3', 'a')).toBe(true);
    expect(q.take('u4', 'a')).toBe(false);
  });

  it('admits everything when limits are off', () => {
    const q = new SocketQuota(1, 1, false);
    expect([q.take('u', 'a'), q.take('u', 'a'), q.take('u', 'a')]).toEqual([true, true, true]);
  });
});
