import { afterHeartbeat, afterStop, heardFrom, provisional, restarted } from './leases';
import type { Lease } from './presence.repository';

const T = 1_000_000;
const iso = (ms: number) => new Date(ms).toISOString();
const beat = (at: number, startedAt: number, leaseMs = 15000) => ({ gatewayId: 'gw', at: iso(at), leaseMs, socketCount: 0, startedAt: iso(startedAt) });
const live = (over: Partial<Lease> = {}): Lease => ({ gatewayId: 'gw', startedAt: T - 100, leaseMs: 15000, expiresAt: T + 15000, fence: T - 100, lastSeenAt: T, live: true, ...over });

describe('leases', () => {
  it('a provisional lease runs from the earlier of the word and the clock, and is dead when that is already past', () => {
    expect(provisional('gw', T, T + 1000, 15000)).toMatchObject({ startedAt: null, expiresAt: T + 15000, fence: 0, live: true });
    expect(provisional('gw', T, T + 20000, 15000).live).toBe(false);
  });

  it('a heartbeat renews the lease, never shortens it, and a new process fences off the sockets of the one before', () => {
    const renewed = afterHeartbeat(live(), beat(T + 5000, T - 100), T + 5000)!;
    expect(renewed).toMatchObject({ expiresAt: T + 20000, lastSeenAt: T + 5000, fence: T - 100, live: true });
    expect(restarted(live(), renewed)).toBe(false);
    const fresh = afterHeartbeat(live(), beat(T + 6000, T + 5500), T + 6000)!;
    expect(fresh.fence).toBe(T + 5500);
    expect(restarted(live(), fresh)).toBe(true);
    expect(afterHeartbeat(live({ expiresAt: T + 99000 }), beat(T + 5000, T - 100), T + 5000)!.expiresAt).toBe(T + 99000);
  });

  it('ignores a late beat of an earlier process, or of one that has since stopped, and revives a dead lease otherwise', () => {
    expect(afterHeartbeat(live(), beat(T, T - 5000), T)).toBeNull();
    expect(afterHeartbeat(live({ startedAt: null, fence: T + 10 }), beat(T, T), T)).toBeNull();
    expect(afterHeartbeat(live({ live: false }), beat(T + 1, T - 100), T + 1)!.live).toBe(true);
    expect(afterHeartbeat(undefined, beat(T, T - 100), T)).toMatchObject({ gatewayId: 'gw', fence: T - 100, expiresAt: T + 15000, live: true });
  });

  it('a stop fences every socket from before it and ends the lease, unless a newer process already beat', () => {
    expect(afterStop(live(), T + 10, T + 20)).toMatchObject({ fence: T + 11, live: false, expiresAt: T + 20 });
    expect(afterStop(live({ startedAt: T + 50 }), T + 10, T + 20)).toMatchObject({ fence: T + 11, live: true, expiresAt: T + 15000 });
    expect(afterStop(live({ fence: T + 11, live: false }), T + 10, T + 20)).toBeNull();
  });

  it('a word from a gateway renews a live lease in memory, revives a dead one only when asked and still in time', () => {
    expect(heardFrom(live(), T + 3000, T + 3000, true)).toEqual({ renewed: { expiresAt: T + 18000, lastSeenAt: T + 3000 } });
    expect(heardFrom(live(), T - 200, T, true)).toEqual({});
    const dead = live({ live: false, expiresAt: T });
    expect(heardFrom(dead, T + 1000, T + 1000, false)).toEqual({});
    expect(heardFrom(dead, T + 1000, T + 1000, true).revived).toMatchObject({ live: true, expiresAt: T + 16000 });
    expect(heardFrom(dead, T + 1000, T + 30000, true)).toEqual({});
  });
});
