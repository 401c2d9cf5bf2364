import type { EventPayload } from '@chat/contracts/bus';
import type { Lease } from './presence.repository';

/**
 * How a gateway's lease moves, as pure functions of the lease, what the
 * gateway said and the clock. PresenceService applies the result (stores
 * it, drops the sockets before its fence, tells peers).
 */

/** A lease on trust for a gateway heard from before its first heartbeat (they travel on another partition). */
export function provisional(gatewayId: string, at: number, now: number, leaseMs: number): Lease {
  const expiresAt = Math.min(at, now) + leaseMs;
  return { gatewayId, startedAt: null, leaseMs, expiresAt, fence: 0, lastSeenAt: at, live: expiresAt > now };
}

/** The lease after a heartbeat, or null when the beat is from an earlier process and changes nothing. */
export function afterHeartbeat(lease: Lease | undefined, e: EventPayload<'gateway.heartbeat'>, now: number): Lease | null {
  const at = Date.parse(e.at);
  const startedAt = Date.parse(e.startedAt);
  if (lease && lease.startedAt !== null && startedAt < lease.startedAt) return null; // a late beat of an earlier process
  if (lease && startedAt < lease.fence) return null; // a beat of a process that has since stopped
  const renewed = Math.min(at, now) + e.leaseMs;
  // A beat is the gateway speaking, ordered with our probes on its partition: it lives, however
  // late we handle it (if it is old, the next check's probe decides).
  return lease
    ? {
        ...lease,
        startedAt,
        leaseMs: e.leaseMs,
        expiresAt: Math.max(lease.expiresAt, renewed),
        lastSeenAt: Math.max(lease.lastSeenAt, at),
        // A new process: every socket of the one before it is gone.
        fence: Math.max(lease.fence, startedAt),
        live: true,
      }
    : { gatewayId: e.gatewayId, startedAt, leaseMs: e.leaseMs, expiresAt: renewed, fence: startedAt, lastSeenAt: at, live: true };
}

/** Whether a heartbeat's lease comes from a new process of a gateway already known. */
export function restarted(before: Lease | undefined, after: Lease): boolean {
  return !!before && before.startedAt !== null && before.startedAt !== after.startedAt;
}

/** The lease after the gateway said it stopped at `at`, or null when that is already applied. */
export function afterStop(lease: Lease, at: number, now: number): Lease | null {
  const fence = at + 1;
  if (fence <= lease.fence && !lease.live) return null;
  // A new process of the same gateway may already have beaten (a heartbeat queued before this
  // late stop); only then does the lease stay live, for that process's sockets. Otherwise its
  // first heartbeat, right behind this stop on the partition, revives it.
  const live = (lease.startedAt ?? -Infinity) > at && lease.expiresAt > now;
  return { ...lease, fence: Math.max(lease.fence, fence), live, expiresAt: live ? lease.expiresAt : Math.min(lease.expiresAt, now) };
}

/**
 * Any word from a gateway at `at` proves it alive then: its lease runs at
 * least `leaseMs` past that. `revived` is the lease brought back to life
 * (to be applied), `renewed` a live lease's new times (kept in memory only:
 * heartbeats persist the lease); neither when the word changes nothing.
 */
export function heardFrom(lease: Lease, at: number, now: number, revive: boolean): { revived?: Lease; renewed?: Pick<Lease, 'expiresAt' | 'lastSeenAt'> } {
  if (at < lease.fence) return {};
  const expiresAt = Math.max(lease.expiresAt, Math.min(at, now) + lease.leaseMs);
  const lastSeenAt = Math.max(lease.lastSeenAt, at);
  if (!lease.live) {
    if (!revive || expiresAt <= now) return {};
    return { revived: { ...lease, expiresAt, lastSeenAt, live: true } };
  }
  return { renewed: { expiresAt, lastSeenAt } };
}
