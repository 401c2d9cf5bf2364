import { Logger } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import { LIMITS } from '@chat/contracts';
import { Metrics } from '@chat/platform-observability';
import type { AudienceRepository } from '../audience/audience.repository';
import { AudienceService } from '../audience/audience.service';
import type { Env } from '../config';
import type { PresencePublisher } from '../publisher/presence.publisher';
import { conversationChanged, FakeAudienceRepository, FakePresenceRepository, FakePublisher } from '../testing/fakes';
import { TypingService } from '../typing/typing.service';
import type { PresenceRepository } from './presence.repository';
import { PresenceService } from './presence.service';

const LEASE = 15000;
const CHECK = 2000;
const GRACE = LIMITS.presenceGraceMs;
const T0 = Date.parse('2026-03-01T10:00:00.000Z');

interface World {
  repo: FakePresenceRepository;
  audienceRepo: FakeAudienceRepository;
  pushes: FakePublisher;
  audience: AudienceService;
  typing: TypingService;
  presence: PresenceService;
}

async function start(repo = new FakePresenceRepository(), audienceRepo = new FakeAudienceRepository()): Promise<World> {
  const settings: Partial<Env> = {
    PRESENCE_CHECK_MS: CHECK,
    PRESENCE_DEFAULT_LEASE_MS: LEASE,
    PRESENCE_PURGE_AFTER_MS: 10 * 60 * 1000,
    PRESENCE_RESYNC_MS: 60_000,
  };
  const config = { get: (key: keyof Env) => settings[key] } as unknown as ConfigService<Env, true>;
  const audience = new AudienceService(audienceRepo as unknown as AudienceRepository);
  const pushes = new FakePublisher();
  const typing = new TypingService(audience, pushes as unknown as PresencePublisher);
  const presence = new PresenceService(repo as unknown as PresenceRepository, audience, typing, pushes as unknown as PresencePublisher, config, new Metrics());
  // A probe comes straight back (nothing else is queued on the partition) unless a test says otherwise.
  pushes.onProbe = (gatewayId, at) => setTimeout(() => void presence.probed({ gatewayId, at: new Date(at).toISOString() }).catch(() => undefined), 0);
  await presence.onApplicationBootstrap();
  return { repo, audienceRepo, pushes, audience, typing, presence };
}

const now = () => new Date(Date.now()).toISOString();
const iso = (ms: number) => new Date(ms).toISOString();

describe('PresenceService', () => {
  let w: World;
  const started = iso(T0 - 60_000);
  const connect = (userId: string, socketId: string, gatewayId = 'gw-a', at = now()) => w.presence.connected({ gatewayId, socketId, userId, at });
  const disconnect = (userId: string, socketId: string, gatewayId = 'gw-a', at = now()) => w.presence.disconnected({ gatewayId, socketId, userId, at });
  const beat = (gatewayId = 'gw-a', startedAt = started, leaseMs = LEASE) =>
    w.presence.heartbeat({ gatewayId, at: now(), leaseMs, socketCount: 0, startedAt });
  const advance = (ms: number) => jest.advanceTimersByTimeAsync(ms);
  /** Advances in heartbeat steps, the gateway beating each time (as a live gateway does). */
  const advanceBeating = async (ms: number, gatewayIds = ['gw-a']) => {
    for (let left = ms; left > 0; left -= LEASE / 3) {
      await advance(Math.min(LEASE / 3, left));
      for (const id of gatewayIds) await beat(id);
    }
  };

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(async () => {
    jest.useFakeTimers({ now: T0 });
    w = await start();
    // alice and bob share a group; carol and alice have each other as contacts (v1.1 consent); mallory shares nothing with anyone.
    await w.audience.conversationChanged(conversationChanged('g1', ['alice', 'bob'], 1));
    await w.audience.contactChanged({ ownerId: 'carol', contactId: 'alice', added: true });
    await w.audience.contactChanged({ ownerId: 'alice', contactId: 'carol', added: true });
    await beat();
  });

  afterEach(() => {
    w.presence.onApplicationShutdown();
    w.typing.onApplicationShutdown();
    jest.useRealTimers();
  });

  it('the first socket pushes online at once to group peers and contact owners, never to the user or strangers', async () => {
    await connect('alice', 's1');
    expect(w.pushes.presenceOf('alice')).toEqual([{ recipients: ['bob', 'carol'], online: true, lastSeenAt: iso(T0) }]);
    expect(w.pushes.sent.flatMap((p) => p.recipients)).not.toContain('alice');
    expect(w.pushes.sent.flatMap((p) => p.recipients)).not.toContain('mallory');
    expect(await w.presence.query(['alice', 'mallory'])).toEqual({
      presence: [
        { userId: 'alice', online: true, lastSeenAt: iso(T0) },
        { userId: 'mallory', online: false, lastSeenAt: null },
      ],
    });
  });

  it('two tabs: a second socket and closing one of two push nothing; the last closing pushes offline after the grace', async () => {
    await connect('alice', 's1');
    await advance(1000);
    await connect('alice', 's2');
    await advance(1000);
    await disconnect('alice', 's1');
    await advance(GRACE * 2);
    expect(w.pushes.presenceOf('alice').map((p) => p.online)).toEqual([true]);

    const closedAt = Date.now();
    await disconnect('alice', 's2');
    await advance(GRACE - 1);
    expect(w.pushes.presenceOf('alice').map((p) => p.online)).toEqual([true]);
    expect((await w.presence.query(['alice'])).presence[0]!.online).toBe(true);
    await advance(1);
    expect(w.pushes.presenceOf('alice')).toEqual([
      { recipients: ['bob', 'carol'], online: true, lastSeenAt: iso(T0) },
      { recipients: ['bob', 'carol'], online: false, lastSeenAt: iso(closedAt) },
    ]);
    expect((await w.presence.query(['alice'])).presence[0]).toEqual({ userId: 'alice', online: false, lastSeenAt: iso(closedAt) });
  });

  it('a reload (reconnect within the grace) pushes neither offline nor online', async () => {
    await connect('alice', 's1');
    await disconnect('alice', 's1');
    await advance(GRACE - 500);
    await connect('alice', 's2');
    await advance(GRACE * 3);
    expect(w.pushes.presenceOf('alice').map((p) => p.online)).toEqual([true]);
  });

  it('a gateway that stops beating takes its users offline when the lease lapses, with no grace on top', async () => {
    await connect('alice', 's1');
    await beat('gw-b');
    await connect('bob', 's2', 'gw-b');
    await advanceBeating(LEASE * 2, ['gw-a', 'gw-b']);
    expect(w.pushes.presenceOf('alice').map((p) => p.online)).toEqual([true]);

    const lastBeat = Date.now();
    await beat(); // gw-a's last word, then it dies; gw-b keeps beating
    let lapsedAfter = -1;
    for (let t = 0; t <= LEASE + 2 * CHECK; t += 500) {
      await advance(500);
      if (t % 5000 === 0) await beat('gw-b');
      if (lapsedAfter < 0 && w.pushes.presenceOf('alice').length === 2) lapsedAfter = Date.now() - lastBeat;
    }
    expect(lapsedAfter).toBeGreaterThanOrEqual(LEASE);
    expect(lapsedAfter).toBeLessThanOrEqual(LEASE + CHECK);
    expect(w.pushes.presenceOf('alice')[1]).toEqual({ recipients: ['bob', 'carol'], online: false, lastSeenAt: iso(lastBeat) });
    expect(w.pushes.presenceOf('bob').map((p) => p.online)).toEqual([true]);
  });

  it('a user with sockets on two gateways stays online when one gateway dies', async () => {
    await connect('alice', 's1', 'gw-a');
    await beat('gw-b');
    await connect('alice', 's2', 'gw-b');
    for (let i = 0; i < 8; i++) {
      await advance(LEASE / 3);
      await beat('gw-b');
    }
    expect(w.presence.liveSockets('alice')).toBe(1);
    expect(w.pushes.presenceOf('alice').map((p) => p.online)).toEqual([true]);
  });

  it('a lapsed gateway that speaks again (same process) brings its users back online', async () => {
    await connect('alice', 's1');
    await advance(LEASE + CHECK);
    expect(w.pushes.presenceOf('alice').map((p) => p.online)).toEqual([true, false]);
    await beat();
    expect(w.pushes.presenceOf('alice').map((p) => p.online)).toEqual([true, false, true]);
  });

  it('a gateway silent for the purge period after its lapse is forgotten, and the routers are told once', async () => {
    await beat('gw-b');
    await connect('alice', 's1', 'gw-a');
    await connect('bob', 's2', 'gw-b');
    // gw-a dies; gw-b keeps beating. Lapse after one lease, then the purge period.
    const PURGE = 10 * 60 * 1000;
    await advanceBeating(LEASE + 2 * CHECK, ['gw-b']);
    expect(w.pushes.forgets).toEqual([]);
    await advanceBeating(PURGE, ['gw-b']);
    expect(w.pushes.forgets).toEqual([{ gatewayId: 'gw-a', at: expect.any(Number), startedAt: Date.parse(started) }]);
    expect([...w.repo.connections.values()].filter((c) => c.gatewayId === 'gw-a')).toEqual([]);
    await advanceBeating(PURGE, ['gw-b']);
    // Forgotten once; the live gateway never.
    expect(w.pushes.forgets.map((f) => f.gatewayId)).toEqual(['gw-a']);
  });

  it('a heartbeat from a new process of the gateway voids the sockets of the old one, keeping the new one’s', async () => {
    await connect('alice', 's1');
    await connect('bob', 's2');
    await advance(1000);
    const restarted = now();
    await advance(10);
    // bob's new socket on the new process arrives before its first heartbeat (another partition).
    await connect('bob', 's3');
    await beat('gw-a', restarted);
    await advance(GRACE);
    expect(w.pushes.presenceOf('alice').map((p) => p.online)).toEqual([true, false]);
    expect(w.pushes.presenceOf('bob').map((p) => p.online)).toEqual([true]);
    expect(w.presence.liveSockets('bob')).toBe(1);
    expect([...w.repo.connections.keys()]).toEqual(['gw-a/s3']);
    // A late beat of the old process changes nothing.
    await beat('gw-a', started);
    expect(w.presence.liveSockets('bob')).toBe(1);
  });

  it('gateway.stopped takes its users offline after the grace, and a late connect from that process is ignored', async () => {
    await connect('alice', 's1');
    await advance(100);
    const stoppedAt = now();
    await w.presence.stopped({ gatewayId: 'gw-a', at: stoppedAt });
    await connect('bob', 's-late', 'gw-a', iso(Date.parse(stoppedAt) - 50));
    await advance(GRACE);
    expect(w.pushes.presenceOf('alice')).toEqual([
      { recipients: ['bob', 'carol'], online: true, lastSeenAt: iso(T0) },
      { recipients: ['bob', 'carol'], online: false, lastSeenAt: stoppedAt },
    ]);
    expect(w.pushes.presenceOf('bob')).toEqual([]);
    expect(w.repo.connections.size).toBe(0);
  });

  it('a socket heard before its gateway’s first heartbeat counts (a lease on trust), and lapses if no heartbeat follows', async () => {
    await connect('alice', 's1', 'gw-new');
    expect(w.pushes.presenceOf('alice').map((p) => p.online)).toEqual([true]);
    await advanceBeating(LEASE + CHECK); // only gw-a beats
    expect(w.pushes.presenceOf('alice').map((p) => p.online)).toEqual([true, false]);
  });

  it('a restarted service reads back who is online and keeps them online while their gateway beats', async () => {
    await connect('alice', 's1');
    await connect('bob', 's2');
    await disconnect('bob', 's2'); // bob leaves; the service dies inside his grace
    w.presence.onApplicationShutdown();
    w.typing.onApplicationShutdown();

    w = await start(w.repo, w.audienceRepo);
    expect((await w.presence.query(['alice'])).presence[0]!.online).toBe(true);
    await advanceBeating(LEASE * 3);
    expect(w.pushes.presenceOf('alice')).toEqual([]);
    // bob's offline was owed and is paid after the restart.
    expect(w.pushes.presenceOf('bob')).toEqual([expect.objectContaining({ online: false, recipients: ['alice'] })]);
  });

  it('after a restart, a gateway that died meanwhile lapses one lease later', async () => {
    await connect('alice', 's1');
    w.presence.onApplicationShutdown();
    w.typing.onApplicationShutdown();
    await advance(LEASE * 2); // no heartbeats while the service is down either
    w = await start(w.repo, w.audienceRepo);
    await advance(LEASE - CHECK);
    expect(w.pushes.presenceOf('alice')).toEqual([]);
    await advance(2 * CHECK);
    expect(w.pushes.presenceOf('alice').map((p) => p.online)).toEqual([false]);
  });

  it('an online whose record could not be stored is pushed once the transport redelivers the event', async () => {
    w.repo.failNext = 'saveUser';
    await expect(connect('alice', 's1')).rejects.toThrow('connection closed');
    expect(w.pushes.presenceOf('alice')).toEqual([]);
    await connect('alice', 's1'); // the transport redelivers
    expect((await w.presence.query(['alice'])).presence[0]!.online).toBe(true);
    expect(w.pushes.presenceOf('alice').map((p) => p.online)).toEqual([true]);
  });

  it('a push whose confirmation died with the process is pushed again after the restart, and the next change follows', async () => {
    await connect('alice', 's1');
    await disconnect('alice', 's1');
    // The offline goes out, then the process dies before recording that it did.
    w.repo.failUserSave = (u) => !u.online && u.pushed;
    await advance(GRACE);
    expect(w.pushes.presenceOf('alice').map((p) => p.online)).toEqual([true, false]);
    w.presence.onApplicationShutdown();
    w.typing.onApplicationShutdown();
    w.repo.failUserSave = undefined;

    w = await start(w.repo, w.audienceRepo);
    await w.audience.ready();
    await advance(CHECK);
    await connect('alice', 's2'); // back while the old process was away
    expect(w.pushes.presenceOf('alice').map((p) => p.online)).toEqual([false, true]);
    expect(w.repo.users.get('alice')).toMatchObject({ online: true, pushed: true });
  });

  it('an offline whose push failed is retried until it goes out', async () => {
    await connect('alice', 's1');
    await disconnect('alice', 's1');
    w.pushes.failing = 2;
    await advance(GRACE + 3000);
    expect(w.pushes.presenceOf('alice').map((p) => p.online)).toEqual([true, false]);
  });

  it('the typist’s last socket closing pushes typing: false to the other members at once', async () => {
    await connect('alice', 's1');
    await connect('alice', 's2');
    await w.typing.changed({ conversationId: 'g1', userId: 'alice', typing: true });
    await disconnect('alice', 's1');
    expect(w.pushes.typingIn('g1').map((p) => p.typing)).toEqual([true]);
    await disconnect('alice', 's2');
    expect(w.pushes.typingIn('g1')).toEqual([
      { recipients: ['bob'], userId: 'alice', typing: true },
      { recipients: ['bob'], userId: 'alice', typing: false },
    ]);
  });

  it('replayed events change nothing', async () => {
    const at = now();
    await connect('alice', 's1', 'gw-a', at);
    await connect('alice', 's1', 'gw-a', at);
    await disconnect('alice', 's1');
    await disconnect('alice', 's1');
    await advance(GRACE);
    expect(w.pushes.presenceOf('alice').map((p) => p.online)).toEqual([true, false]);
  });

  it('the periodic resync repairs memory from the stored connections (another process changed them)', async () => {
    await connect('alice', 's1');
    // Another presence process (a rolling update's overlap) handled alice's disconnect and bob's connect.
    w.repo.connections.delete('gw-a/s1');
    w.repo.connections.set('gw-a/s9', { gatewayId: 'gw-a', socketId: 's9', userId: 'bob', at: Date.now() });
    await advanceBeating(60_000 + CHECK + GRACE + CHECK);
    expect(w.pushes.presenceOf('alice').map((p) => p.online)).toEqual([true, false]);
    expect(w.pushes.presenceOf('bob').map((p) => p.online)).toEqual([true]);
    expect(w.presence.liveSockets('bob')).toBe(1);
  });

  it('the resync leaves alone a connection this process changed while it was reading', async () => {
    await connect('alice', 's1');
    const stale = new Map(w.repo.connections);
    const allConnections = w.repo.allConnections.bind(w.repo);
    // The read returns a snapshot from before alice's second tab and bob's disconnect happened here.
    w.repo.allConnections = async () => {
      await connect('alice', 's2');
      return [...stale.values()];
    };
    await w.presence.resync();
    w.repo.allConnections = allConnections;
    expect(w.presence.liveSockets('alice')).toBe(2);
  });

  it('a presence service 20 s behind on the topic never lapses a gateway that keeps beating (the probe returns behind its beats)', async () => {
    await connect('alice', 's1');
    const LAG = 20_000;
    // From now on the gateway's partition is a queue this service handles 20 s late.
    const partition: { queuedAt: number; handle: () => Promise<void> }[] = [];
    w.pushes.onProbe = (gatewayId, at) => partition.push({ queuedAt: Date.now(), handle: () => w.presence.probed({ gatewayId, at: iso(at) }) });
    for (let t = 0; t < 90_000; t += 1000) {
      if (t % (LEASE / 3) === 0) {
        const at = now();
        partition.push({ queuedAt: Date.now(), handle: () => w.presence.heartbeat({ gatewayId: 'gw-a', at, leaseMs: LEASE, socketCount: 1, startedAt: started }) });
      }
      while (partition.length && partition[0]!.queuedAt <= Date.now() - LAG) await partition.shift()!.handle();
      await advance(1000);
    }
    // The clock alone said "expired" (the beats arrive 20 s old), so probes went out, and came back renewed.
    expect(w.pushes.probes.length).toBeGreaterThan(0);
    expect(w.pushes.presenceOf('alice').map((p) => p.online)).toEqual([true]);
    expect(w.presence.liveSockets('alice')).toBe(1);
  });

  it('a stopping gateway closing its sockets after saying it stopped does not revive its lease', async () => {
    await connect('alice', 's1');
    await connect('bob', 's2');
    await advance(100);
    await w.presence.stopped({ gatewayId: 'gw-a', at: now() });
    await advance(10);
    await disconnect('alice', 's1');
    await advance(GRACE + 2 * CHECK);
    expect(w.pushes.presenceOf('alice').map((p) => p.online)).toEqual([true, false]);
    expect(w.pushes.presenceOf('bob').map((p) => p.online)).toEqual([true, false]);
    await advance(LEASE + 2 * CHECK);
    expect(w.pushes.probes).toEqual([]); // nothing live left to probe: the lease stayed ended
  });

  it('a restart under the same id: the old process’s late stop, between the new one’s first socket and first beat, pushes no flap', async () => {
    await connect('alice', 's1');
    await advance(1000);
    const stoppedAt = now();
    await advance(500);
    const restartedAt = now();
    await advance(500);
    await connect('bob', 's-new'); // the new process's socket, on a user partition, handled first
    await w.presence.stopped({ gatewayId: 'gw-a', at: stoppedAt });
    await advance(1000);
    await beat('gw-a', restartedAt); // right behind the stop on the gateway's partition
    await advance(GRACE * 2);
    expect(w.pushes.presenceOf('bob').map((p) => p.online)).toEqual([true]);
    expect(w.pushes.presenceOf('alice').map((p) => p.online)).toEqual([true, false]);
    expect(w.presence.liveSockets('bob')).toBe(1);
  });
});
