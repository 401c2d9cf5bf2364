import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LIMITS, type PushPayload, type User } from '@chat/contracts';
import type { CommandReply, EventPayload } from '@chat/contracts/bus';
import { Metrics } from '@chat/platform-observability';
import { AudienceService } from '../audience/audience.service';
import type { Env } from '../config';
import { PresencePublisher } from '../publisher/presence.publisher';
import { TypingService } from '../typing/typing.service';
import { announce, type Settle } from './announcer';
import { ConnectionIndex } from './connection-index';
import { KeyedSerial } from './keyed-serial';
import { afterHeartbeat, afterStop, heardFrom, provisional, restarted } from './leases';
import { connectionKey, PresenceRepository, type Connection, type Lease, type UserPresence } from './presence.repository';

interface PendingOffline {
  timer: NodeJS.Timeout;
  lastSeenAt: number;
}

const OFFLINE_RETRY_MS = 1000;
/** A probe not back within this long is sent again. */
const PROBE_RESEND_MS = 5000;

/**
 * Presence: which users are online, from the sockets gateways report and the
 * leases their heartbeats renew.
 *
 * A user is online while any of their sockets is on a gateway whose lease is
 * live. A lease lives `leaseMs` past the gateway's last word (heartbeat,
 * connect or disconnect); it ends when that lapses, when the gateway says it
 * stopped, or when a heartbeat shows a new process (its earlier sockets are
 * gone: the "fence" voids every connection from before that instant).
 *
 * "Lapses" is judged in the partition's time, not only the clock's: when the
 * clock says a lease expired, a `presence.probe` is sent keyed by the gateway,
 * so it comes back behind everything the gateway had queued; only if the
 * lease is still unrenewed when it returns is the gateway gone. A presence
 * service that is behind on the topic (a restart's backlog, a slow database)
 * thus never declares a beating gateway dead.
 *
 * Peers hear `presence:update` once per real change: at once when the first
 * socket arrives, and after LIMITS.presenceGraceMs when the last one leaves
 * (a reconnect within the grace cancels it). A lapsed lease needs no grace:
 * the gateway has already been silent for a whole lease.
 *
 * Connections, leases and what peers were told live in Mongo and in memory;
 * a restarted service reads them back and resumes from the committed offsets.
 * Each user's changes run one at a time (KeyedSerial), whether they come from
 * an event, a lease check or a grace timer.
 *
 * The decisions are pure and live beside this class: how a lease moves
 * (leases.ts), which sockets exist (connection-index.ts) and what peers
 * are told (announcer.ts); this class stores, schedules and publishes.
 */
@Injectable()
export class PresenceService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(PresenceService.name);
  private readonly connections = new ConnectionIndex();
  private readonly leases = new Map<string, Lease>();
  /** What peers were last told, per user (every online user, and whoever was looked up). */
  private readonly users = new Map<string, UserPresence>();
  private readonly pending = new Map<string, PendingOffline>();
  /** Users whose settling failed; the lease check settles them again. */
  private readonly dirty = new Set<string>();
  /** Gateway → when the probe for its expired lease was sent. */
  private readonly probes = new Map<string, number>();
  private readonly serial = new KeyedSerial();
  private lastResync = Date.now();
  private loading?: Promise<void>;
  private ticker?: NodeJS.Timeout;
  private checking?: Promise<void>;
  private closed = false;
  private readonly checkMs: number;
  private readonly defaultLeaseMs: number;
  private readonly purgeAfterMs: number;
  private readonly resyncMs: number;
  private readonly updates;
  private readonly lapses;

  constructor(
    private readonly repo: PresenceRepository,
    private readonly audience: AudienceService,
    private readonly typing: TypingService,
    private readonly events: PresencePublisher,
    config: ConfigService<Env, true>,
    metrics: Metrics,
  ) {
    this.checkMs = config.get('PRESENCE_CHECK_MS', { infer: true });
    this.defaultLeaseMs = config.get('PRESENCE_DEFAULT_LEASE_MS', { infer: true });
    this.purgeAfterMs = config.get('PRESENCE_PURGE_AFTER_MS', { infer: true });
    this.resyncMs = config.get('PRESENCE_RESYNC_MS', { infer: true });
    this.updates = metrics.counter('chat_presence_updates_total', 'presence:update changes published, by direction', ['online']);
    events.routeFrom(async () => {
      await this.ready();
      return this.liveConnections().map(([, c]) => c);
    });
    this.lapses = metrics.histogram('chat_presence_lease_lapse_seconds', 'Time from a gateway last being heard to its lease lapsing here', [], [5, 10, 15, 20, 30, 60]);
    metrics.gauge('chat_presence_online_users', 'Users currently online', [], () => [...this.users.values()].filter((u) => u.online).length);
    metrics.gauge('chat_presence_live_gateways', 'Gateways with a live lease', [], () => [...this.leases.values()].filter((l) => l.live).length);
    metrics.gauge('chat_presence_connections', 'Sockets known on any gateway', [], () => this.connections.size);
  }

  // ─── lifecycle ────────────────────────────────────────────────────────────

  /** Reads the persisted state once; every entry point awaits it (handlers may run before Nest's init hooks). */
  ready(): Promise<void> {
    this.loading ??= this.load().catch((err) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    await this.audience.ready();
    const [leases, connections, active] = await Promise.all([this.repo.allLeases(), this.repo.allConnections(), this.repo.activeUsers()]);
    const now = Date.now();
    for (const lease of leases) {
      // The gateways kept beating while this service was away, and those beats may still be
      // queued behind the committed offset: give each live gateway one more lease to be heard.
      if (lease.live) lease.expiresAt = Math.max(lease.expiresAt, now + lease.leaseMs);
      this.leases.set(lease.gatewayId, lease);
    }
    for (const c of connections) {
      let lease = this.leases.get(c.gatewayId);
      if (!lease) this.leases.set(c.gatewayId, (lease = this.provisional(c.gatewayId, now, now)));
      if (c.at >= lease.fence) this.connections.add(c);
    }
    for (const u of active) this.users.set(u.userId, u);
    this.log.log(`loaded ${leases.length} gateway leases, ${connections.length} connections, ${active.filter((u) => u.online).length} online users`);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.ticker || this.closed) return;
    await this.ready();
    // Someone told "online" who has no live socket (the service died inside a grace), the reverse
    // (it died between storing a connection and telling peers), and pushes that may not have gone
    // out: settle everyone known.
    for (const userId of new Set([...this.connections.users(), ...this.users.keys()])) this.dirty.add(userId);
    this.ticker = setInterval(() => void this.check(), this.checkMs);
    this.ticker.unref();
    void this.check();
  }

  onApplicationShutdown(): void {
    this.closed = true;
    clearInterval(this.ticker);
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }

  // ─── gateway events ───────────────────────────────────────────────────────

  async connected(e: EventPayload<'socket.connected'>): Promise<void> {
    await this.ready();
    const at = Date.parse(e.at);
    const lease = await this.heardFrom(e.gatewayId, at);
    if (at < lease.fence) return; // a socket of an earlier process of this gateway: long gone
    const c: Connection = { gatewayId: e.gatewayId, socketId: e.socketId, userId: e.userId, at };
    await this.repo.saveConnection(c);
    this.connections.add(c);
    await this.settle(e.userId, { seenAt: at, graceMs: LIMITS.presenceGraceMs });
  }

  async disconnected(e: EventPayload<'socket.disconnected'>): Promise<void> {
    await this.ready();
    const at = Date.parse(e.at);
    // A closing socket proves the gateway alive but never revives its lease: a stopping gateway
    // closes its sockets after saying it stopped.
    await this.heardFrom(e.gatewayId, at, false);
    await this.repo.deleteConnection(e.gatewayId, e.socketId);
    this.connections.remove(e.gatewayId, e.socketId);
    await this.settle(e.userId, { seenAt: at, graceMs: LIMITS.presenceGraceMs });
  }

  async heartbeat(e: EventPayload<'gateway.heartbeat'>): Promise<void> {
    await this.ready();
    const lease = this.leases.get(e.gatewayId);
    const next = afterHeartbeat(lease, e, Date.now());
    if (!next) return;
    if (restarted(lease, next)) this.log.log(`gateway ${e.gatewayId} restarted (${e.startedAt}); its earlier sockets are gone`);
    await this.applyLease(next, { seenAt: lease?.lastSeenAt ?? Date.parse(e.at), graceMs: LIMITS.presenceGraceMs });
  }

  async stopped(e: EventPayload<'gateway.stopped'>): Promise<void> {
    await this.ready();
    const now = Date.now();
    const at = Date.parse(e.at);
    const next = afterStop(this.leases.get(e.gatewayId) ?? this.provisional(e.gatewayId, at, now), at, now);
    if (!next) return; // already applied
    this.log.log(`gateway ${e.gatewayId} stopped; its sockets are gone`);
    await this.applyLease(next, { seenAt: at, graceMs: LIMITS.presenceGraceMs });
  }

  /**
   * A probe of ours came back through the gateway's partition: everything the gateway said
   * before `at` has been handled. A lease still expired at `at` has really lapsed; one renewed
   * by a heartbeat that was queued ahead of the probe has not (this service was only behind).
   */
  async probed(e: EventPayload<'presence.probe'>): Promise<void> {
    await this.ready();
    const at = Date.parse(e.at);
    const lease = this.leases.get(e.gatewayId);
    if (this.probes.get(e.gatewayId) === at) this.probes.delete(e.gatewayId);
    if (!lease?.live || lease.expiresAt > at) return;
    const silentMs = Date.now() - lease.lastSeenAt;
    this.log.warn(`gateway ${lease.gatewayId} lease lapsed: not heard from for ${silentMs} ms; its sockets are gone`);
    this.lapses.observe(silentMs / 1000);
    // The gateway has been silent for a whole lease already: no grace on top.
    await this.applyLease({ ...lease, live: false }, { seenAt: lease.lastSeenAt, graceMs: 0 });
  }

  /** v1.1: `user:updated` to the user's own sockets and to everyone who gets their presence:update. */
  async profileChanged(user: User): Promise<void> {
    await this.audience.ready();
    await this.events.userUpdated([user.id, ...this.audience.watchersOf(user.id)], { user });
  }

  // ─── queries ──────────────────────────────────────────────────────────────

  /**
   * Presence as one user may see it: their own, their contacts' and their
   * co-members' (whoever they would get presence:update pushes for); anyone
   * else answers offline and never seen, so an id tells a stranger nothing.
   */
  async queryAs(viewerId: string, userIds: string[]): Promise<CommandReply<'presence.query'>> {
    const { presence } = await this.query(userIds);
    return {
      presence: presence.map((p) =>
        p.userId === viewerId || this.audience.watches(viewerId, p.userId) ? p : { userId: p.userId, online: false, lastSeenAt: null },
      ),
    };
  }

  async query(userIds: string[]): Promise<CommandReply<'presence.query'>> {
    await this.ready();
    const missing = [...new Set(userIds)].filter((id) => !this.users.has(id));
    if (missing.length) {
      const found = await this.repo.findUsers(missing);
      // Cache only what is stored: a user never seen must not take memory per lookup.
      for (const u of found) if (!this.users.has(u.userId)) this.users.set(u.userId, u);
    }
    return { presence: userIds.map((id) => toPush(this.users.get(id) ?? { userId: id, online: false, lastSeenAt: null })) };
  }

  /** Users with a live socket right now (tests, diagnostics). */
  /** The sockets known here, in pages ordered by `<gatewayId>/<socketId>` (delivery routers start from them). */
  async connectionsPage(after: string | undefined, limit: number): Promise<CommandReply<'presence.connections'>> {
    await this.ready();
    const page = this.liveConnections()
      .filter(([key]) => after === undefined || key > after)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit + 1);
    const more = page.length > limit;
    const shown = more ? page.slice(0, limit) : page;
    return {
      connections: shown.map(([, c]) => ({ gatewayId: c.gatewayId, socketId: c.socketId, userId: c.userId, at: new Date(c.at).toISOString() })),
      next: more ? shown[shown.length - 1]![0] : null,
    };
  }

  /** Every connection on a gateway whose lease is live, with its key. */
  private liveConnections(): [string, Connection][] {
    return this.connections.entries().filter(([, c]) => this.leases.get(c.gatewayId)?.live);
  }

  liveSockets(userId: string): number {
    let n = 0;
    for (const c of this.connections.ofUser(userId)) if (this.leases.get(c.gatewayId)?.live) n++;
    return n;
  }

  // ─── lease checks ─────────────────────────────────────────────────────────

  /** Ends the leases that lapsed, forgets long-dead gateways, retries users whose settling failed. */
  check(): Promise<void> {
    this.checking ??= this.runCheck().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async runCheck(): Promise<void> {
    try {
      await this.ready();
      const now = Date.now();
      for (const lease of [...this.leases.values()]) {
        if (lease.live && lease.expiresAt <= now) {
          // Expired by the clock; it lapses only if the probe comes back with it still expired.
          const sent = this.probes.get(lease.gatewayId);
          if (sent === undefined || now - sent >= PROBE_RESEND_MS) {
            await this.events.probe(lease.gatewayId, now);
            this.probes.set(lease.gatewayId, now);
          }
        } else if (!lease.live && now - Math.max(lease.expiresAt, lease.lastSeenAt) > this.purgeAfterMs) {
          await this.repo.deleteConnectionsBefore(lease.gatewayId, Infinity);
          await this.repo.deleteLease(lease.gatewayId);
          // Before forgetting it here: if the bus refuses, the next tick does all of this again.
          await this.events.forgotten(lease.gatewayId, now, lease.startedAt);
          for (const c of this.connections.ofGateway(lease.gatewayId)) this.connections.remove(c.gatewayId, c.socketId);
          this.leases.delete(lease.gatewayId);
        }
      }
      if (Date.now() - this.lastResync >= this.resyncMs) await this.resync();
      for (const userId of [...this.dirty]) {
        this.dirty.delete(userId);
        await this.settle(userId, { graceMs: LIMITS.presenceGraceMs }).catch(() => undefined);
      }
    } catch (err) {
      this.log.warn(`lease check failed, retrying at the next tick: ${(err as Error).message}`);
    }
  }

  /**
   * Brings memory in line with the stored connections and fences. They agree while this is the
   * only presence process; when a rolling update briefly runs two, the other one's changes land
   * only in the database, and this repairs them. A connection this process touched while
   * reading is left alone: its own change is newer than what was read.
   */
  async resync(): Promise<void> {
    const startedAt = Date.now();
    this.lastResync = startedAt;
    const [leases, stored] = await Promise.all([this.repo.allLeases(), this.repo.allConnections()]);
    const affected = new Set<string>();
    for (const l of leases) {
      const mine = this.leases.get(l.gatewayId);
      if (!mine) this.leases.set(l.gatewayId, l);
      else if (l.fence > mine.fence) {
        mine.fence = l.fence;
        mine.startedAt = l.startedAt;
        for (const c of this.connections.ofGateway(l.gatewayId)) {
          if (c.at >= mine.fence) continue;
          this.connections.remove(c.gatewayId, c.socketId);
          affected.add(c.userId);
        }
      }
    }
    const storedKeys = new Set<string>();
    for (const c of stored) {
      const key = connectionKey(c.gatewayId, c.socketId);
      storedKeys.add(key);
      if (this.connections.has(c.gatewayId, key) || this.connections.touchedSince(key, startedAt)) continue;
      let lease = this.leases.get(c.gatewayId);
      if (!lease) this.leases.set(c.gatewayId, (lease = this.provisional(c.gatewayId, startedAt, startedAt)));
      if (c.at < lease.fence) continue;
      this.connections.add(c);
      affected.add(c.userId);
    }
    for (const [key, c] of this.connections.entries()) {
      if (storedKeys.has(key) || this.connections.touchedSince(key, startedAt)) continue;
      this.connections.remove(c.gatewayId, c.socketId);
      affected.add(c.userId);
    }
    this.connections.forgetTouchesBefore(startedAt);
    if (affected.size === 0) return;
    this.log.warn(`resync: memory differed from the stored connections for ${affected.size} users; settling them`);
    await Promise.all([...affected].map((userId) => this.settle(userId, { graceMs: LIMITS.presenceGraceMs }).catch(() => undefined)));
  }

  // ─── internals ────────────────────────────────────────────────────────────

  /** Any word from a gateway proves it alive at `at`. */
  private async heardFrom(gatewayId: string, at: number, revive = true): Promise<Lease> {
    const now = Date.now();
    const lease = this.leases.get(gatewayId);
    if (!lease) return this.applyLease(this.provisional(gatewayId, at, now), { graceMs: LIMITS.presenceGraceMs });
    const { revived, renewed } = heardFrom(lease, at, now, revive);
    if (revived) return this.applyLease(revived, { graceMs: LIMITS.presenceGraceMs });
    // Renewals between heartbeats stay in memory; the heartbeats persist the lease.
    if (renewed) Object.assign(lease, renewed);
    return lease;
  }

  private provisional(gatewayId: string, at: number, now: number): Lease {
    return provisional(gatewayId, at, now, this.defaultLeaseMs);
  }

  /**
   * Stores a gateway's new lease, voids its connections from before the fence, and settles
   * every user whose sockets that changed: the dropped ones, and all of the gateway's users
   * when the lease went from live to dead or back.
   */
  private async applyLease(next: Lease, gone: Settle): Promise<Lease> {
    const before = this.leases.get(next.gatewayId);
    const sockets = this.connections.ofGateway(next.gatewayId);
    const dropped = sockets.filter((c) => c.at < next.fence);
    if (dropped.length) await this.repo.deleteConnectionsBefore(next.gatewayId, next.fence);
    await this.repo.saveLease(next);
    this.leases.set(next.gatewayId, next);
    for (const c of dropped) this.connections.remove(c.gatewayId, c.socketId);
    const affected = new Set(dropped.map((c) => c.userId));
    if ((before?.live ?? false) !== next.live) for (const c of sockets) affected.add(c.userId);
    await Promise.all([...affected].map((userId) => this.settle(userId, gone)));
    return next;
  }

  /** Brings what peers were told about a user in line with the user's live sockets. */
  private settle(userId: string, change: Settle): Promise<void> {
    return this.serial
      .run(userId, async () => {
        const current = await this.told(userId);
        const live = this.liveSockets(userId) > 0;
        const next = announce(current, live, change, this.pending.get(userId)?.lastSeenAt, Date.now());
        if (live) this.cancelOffline(userId);
        else await this.typing.userGone(userId);
        switch (next.kind) {
          case 'publish':
            this.cancelOffline(userId);
            await this.publish({ userId, online: next.online, lastSeenAt: next.lastSeenAt });
            break;
          case 'remember':
            await this.remember({ ...current, lastSeenAt: next.lastSeenAt });
            break;
          case 'wait': {
            const pending = this.pending.get(userId);
            if (pending) pending.lastSeenAt = next.lastSeenAt;
            else this.scheduleOffline(userId, next.lastSeenAt, next.graceMs);
            break;
          }
        }
      })
      .catch((err) => {
        this.dirty.add(userId);
        throw err;
      });
  }

  private scheduleOffline(userId: string, lastSeenAt: number, delayMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      void this.serial
        .run(userId, async () => {
          const pending = this.pending.get(userId);
          if (pending?.timer !== timer) return; // cancelled or replaced
          if (this.liveSockets(userId) > 0) {
            this.pending.delete(userId);
            return;
          }
          const current = await this.told(userId);
          if (current.online) await this.publish({ userId, online: false, lastSeenAt: pending.lastSeenAt });
          this.pending.delete(userId);
        })
        .catch((err) => {
          this.log.warn(`offline of ${userId} not published, retrying: ${(err as Error).message}`);
          const pending = this.pending.get(userId);
          if (pending?.timer === timer) this.scheduleOffline(userId, pending.lastSeenAt, OFFLINE_RETRY_MS);
        });
    }, delayMs);
    timer.unref();
    this.pending.set(userId, { timer, lastSeenAt });
  }

  private cancelOffline(userId: string): void {
    const pending = this.pending.get(userId);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pending.delete(userId);
  }

  private async published(userId: string): Promise<UserPresence> {
    const cached = this.users.get(userId);
    if (cached) return cached;
    const [found] = await this.repo.findUsers([userId]);
    return found ?? { userId, online: false, lastSeenAt: null, pushed: true };
  }

  /**
   * What peers were told, after finishing a push that may not have gone out (this process or
   * the one before it died, or the bus failed, between recording and confirming it).
   */
  private async told(userId: string): Promise<UserPresence> {
    const current = await this.published(userId);
    if (current.pushed) return current;
    await this.events.presence(this.audience.watchersOf(userId), toPush(current));
    const confirmed = { ...current, pushed: true };
    await this.remember(confirmed);
    return confirmed;
  }

  /**
   * Records the new state as being pushed, pushes it, then confirms it. A crash or failure
   * anywhere in between leaves it unconfirmed, and the next look at the user (a retry, the
   * restart's settling) pushes it again: peers may hear a change twice, never miss one.
   */
  private async publish(next: Omit<UserPresence, 'pushed'>): Promise<void> {
    await this.remember({ ...next, pushed: false });
    await this.events.presence(this.audience.watchersOf(next.userId), toPush(next));
    await this.remember({ ...next, pushed: true });
    this.updates.inc({ online: String(next.online) });
  }

  private async remember(next: UserPresence): Promise<void> {
    await this.repo.saveUser(next);
    this.users.set(next.userId, next);
  }
}

function toPush(u: Pick<UserPresence, 'userId' | 'online' | 'lastSeenAt'>): PushPayload<'presence:update'> {
  return { userId: u.userId, online: u.online, lastSeenAt: u.lastSeenAt === null ? null : new Date(u.lastSeenAt).toISOString() };
}
