import type { UserPresence } from './presence.repository';

/** A change that may alter what peers should be told about a user. */
export interface Settle {
  /** When the user was last seen by the change at hand (a connect, a disconnect, the gateway's last word). */
  seenAt?: number;
  /** How long to wait before telling peers the user is gone (absorbs a page reload). */
  graceMs: number;
}

/** What to do so that what peers were told matches the user's live sockets. */
export type Announcement =
  /** Tell peers (online at once; offline when no grace is due). */
  | { kind: 'publish'; online: boolean; lastSeenAt: number }
  /** Peers' view stands; only the stored last-seen moves. */
  | { kind: 'remember'; lastSeenAt: number | null }
  /** Offline after the grace: start its timer, or move the last-seen of the one running. */
  | { kind: 'wait'; lastSeenAt: number; graceMs: number }
  | { kind: 'nothing' };

/**
 * Decides what peers hear about a user: `told` is what they were last told,
 * `live` whether the user has a socket on a live gateway, `pendingSeenAt`
 * the last-seen of an offline already waiting out its grace. Pure, so the
 * service only carries it out (and cancels a pending offline when `live`).
 */
export function announce(told: Pick<UserPresence, 'online' | 'lastSeenAt'>, live: boolean, change: Settle, pendingSeenAt: number | undefined, now: number): Announcement {
  const seenAt = change.seenAt === undefined ? told.lastSeenAt : Math.max(told.lastSeenAt ?? 0, change.seenAt);
  if (live) {
    if (!told.online) return { kind: 'publish', online: true, lastSeenAt: seenAt ?? now };
    return seenAt !== told.lastSeenAt ? { kind: 'remember', lastSeenAt: seenAt } : { kind: 'nothing' };
  }
  if (!told.online) return seenAt !== told.lastSeenAt ? { kind: 'remember', lastSeenAt: seenAt } : { kind: 'nothing' };
  const lastSeenAt = Math.max(seenAt ?? 0, pendingSeenAt ?? 0) || now;
  if (change.graceMs <= 0) return { kind: 'publish', online: false, lastSeenAt };
  return { kind: 'wait', lastSeenAt, graceMs: change.graceMs };
}
