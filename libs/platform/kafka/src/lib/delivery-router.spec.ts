import { BROADCAST_DELIVERY_KEY, type EventPayload } from '@chat/contracts/bus';
import { Metrics } from '@chat/platform-observability';
import { DeliveryRouter, ROUTES_CLOCK_MARGIN_MS } from './delivery-router';
import type { KafkaBus } from './kafka-bus';
import { RecentDeliveries, RouteIndex, type DeliveryItem } from './route-index';

const item = (userIds: string[], text = 'hi'): DeliveryItem => ({ userIds, event: 'message:new', data: { text } });

describe('RouteIndex', () => {
  it("splits a change's items by gateway, each with only its own recipients, and skips the offline", () => {
    const index = new RouteIndex();
    expect(index.connected({ gatewayId: 'g1', socketId: 's1', userId: 'a', at: 1 })).toBe(true);
    expect(index.connected({ gatewayId: 'g2', socketId: 's2', userId: 'b', at: 1 })).toBe(true);
    expect(index.connected({ gatewayId: 'g2', socketId: 's3', userId: 'b', at: 2 })).toBe(false);
    expect(index.connected({ gatewayId: 'g1', socketId: 's4', userId: 'b', at: 2 })).toBe(true);
    const split = index.split([item(['a', 'b', 'offline']), item(['a'], 'only a')]);
    expect([...split.keys()].sort()).toEqual(['g1', 'g2']);
    expect(split.get('g1')!.map((i) => i.userIds)).toEqual([['a', 'b'], ['a']]);
    expect(split.get('g2')!.map((i) => i.userIds)).toEqual([['b']]);
    expect(index.size).toBe(4);
  });

  it('forgets a user on a gateway with their last socket there, and notes when', () => {
    const index = new RouteIndex();
    index.connected({ gatewayId: 'g1', socketId: 's1', userId: 'a', at: 1 });
    index.connected({ gatewayId: 'g1', socketId: 's2', userId: 'a', at: 1 });
    index.disconnected('g1', 's1', 'a', 10, 1);
    expect(index.has('a', 'g1')).toBe(true);
    expect(index.goneMark('a', 'g1')).toBeUndefined();
    index.disconnected('g1', 's2', 'a', 20, 7);
    expect(index.has('a', 'g1')).toBe(false);
    expect(index.goneMark('a', 'g1')).toBe(7);
    expect(index.split([item(['a'])]).size).toBe(0);
    index.forgetGoneBefore(21);
    expect(index.goneMark('a', 'g1')).toBeUndefined();
  });

  it("drops a gateway's sockets, or only those from before its process started", () => {
    const index = new RouteIndex();
    index.connected({ gatewayId: 'g1', socketId: 'old', userId: 'a', at: 100 });
    index.connected({ gatewayId: 'g1', socketId: 'new', userId: 'b', at: 300 });
    index.connected({ gatewayId: 'g2', socketId: 'x', userId: 'a', at: 100 });
    expect(index.dropGateway('g1', 200)).toBe(1);
    expect(index.has('a', 'g1')).toBe(false);
    expect(index.has('b', 'g1')).toBe(true);
    expect(index.dropGateway('g1')).toBe(1);
    expect(index.gateways()).toEqual(['g2']);
  });
});

describe('RecentDeliveries', () => {
  it("gives a user's items since a moment, narrowed to that user, oldest first, within its window", () => {
    const recent = new RecentDeliveries(1000);
    recent.add(100, [item(['a', 'b'], 'one'), item(['b'], 'not a')], 100);
    recent.add(200, [item(['a'], 'two')]);
    expect(recent.since('a', 150).map((e) => e.items.map((i) => (i.data as { text: string }).text))).toEqual([['two']]);
    const all = recent.since('a', 0);
    expect(all.map((e) => e.items)).toEqual([[item(['a'], 'one')], [item(['a'], 'two')]]);
    expect(all[0]!.sentAtMs).toBe(100);
    expect(recent.since('a', 0, 1).map((e) => e.items[0]!.data)).toEqual([{ text: 'two' }]);
    recent.prune(1150);
    expect(recent.since('a', 0)).toHaveLength(1);
    expect(recent.size).toBe(1);
  });
});

interface Emitted {
  key: string;
  payload: EventPayload<'delivery'>;
}

function routerWithFakeBus() {
  const emitted: Emitted[] = [];
  const bus = {
    emit: (type: string, key: string, payload: EventPayload<'delivery'>) => {
      if (type === 'delivery') emitted.push({ key, payload: structuredClone(payload) });
      return Promise.resolve();
    },
  } as unknown as KafkaBus;
  const metrics = new Metrics();
  const router = new DeliveryRouter(bus, metrics);
  const complete = () => (router as unknown as { completed(): void }).completed();
  const event = (type: string, payload: object, now: number) => router.apply(JSON.stringify({ type, payload }), now);
  const connect = (userId: string, gatewayId: string, socketId: string, at: number, now = at) =>
    event('socket.connected', { gatewayId, socketId, userId, at: new Date(at).toISOString() }, now);
  return { router, emitted, complete, event, connect, metrics };
}

describe('DeliveryRouter', () => {
  it('broadcasts until its index is complete, then sends each gateway only its own recipients', async () => {
    const { router, emitted, complete, connect } = routerWithFakeBus();
    connect('a', 'g1', 's1', 1000);
    connect('b', 'g2', 's2', 1000);
    await router.deliver([item(['a', 'b'])], { sentAtMs: 5 });
    expect(emitted).toEqual([{ key: BROADCAST_DELIVERY_KEY, payload: { items: [item(['a', 'b'])], sentAtMs: 5 } }]);
    complete();
    emitted.length = 0;
    await router.deliver([item(['a', 'b', 'c'])], { sentAtMs: 6 });
    expect(emitted.sort((x, y) => x.key.localeCompare(y.key))).toEqual([
      { key: 'g1', payload: { items: [item(['a'])], sentAtMs: 6 } },
      { key: 'g2', payload: { items: [item(['b'])], sentAtMs: 6 } },
    ]);
    emitted.length = 0;
    await router.deliver([item(['nobody-online'])]);
    expect(emitted).toEqual([]);
    expect(router.routing).toBe(true);
  });

  it('catches a new socket up on what went elsewhere since its connect, and only that', async () => {
    const { router, emitted, complete, connect } = routerWithFakeBus();
    complete();
    const now = Date.now();
    connect('b', 'g2', 'sb', now - 60_000, now - 60_000);
    await router.deliver([item(['a', 'b'], 'long before')]);
    // Stored after a's socket connected on g1, before this process heard of it: went to b only.
    const connectedAt = Date.now();
    await router.deliver([item(['a', 'b'], 'in the gap')], { sentAtMs: connectedAt });
    emitted.length = 0;
    connect('a', 'g1', 'sa', connectedAt);
    const caughtUp = emitted.filter((e) => e.payload.catchUp);
    // 'long before' is within the clock margin here, so it comes too; the test below shows the margin.
    expect(caughtUp.every((e) => e.key === 'g1' && e.payload.items.every((i) => i.userIds.join() === 'a'))).toBe(true);
    expect(caughtUp.flatMap((e) => e.payload.items.map((i) => (i.data as { text: string }).text))).toContain('in the gap');
    // A second socket of a on g1 needs nothing: pushes for a already reach g1 and go to all of a's sockets there.
    emitted.length = 0;
    connect('a', 'g1', 'sa2', Date.now());
    expect(emitted).toEqual([]);
  });

  it('does not reach back past the clock margin before the connect', async () => {
    const { router, emitted, complete, connect } = routerWithFakeBus();
    complete();
    await router.deliver([item(['a'], 'before')]);
    emitted.length = 0;
    connect('a', 'g1', 'sa', Date.now() + ROUTES_CLOCK_MARGIN_MS + 50);
    expect(emitted).toEqual([]);
  });

  it('after a reconnect, catches up only on what came after the last socket left', async () => {
    const { router, emitted, complete, connect, event } = routerWithFakeBus();
    complete();
    const t = Date.now();
    connect('a', 'g1', 's1', t);
    await router.deliver([item(['a'], 'while connected')]);
    // In the same millisecond as the pushes around it: the order of events decides, not the clock.
    event('socket.disconnected', { gatewayId: 'g1', socketId: 's1', userId: 'a', at: new Date(t).toISOString() }, Date.now());
    await router.deliver([item(['a'], 'while away')]);
    emitted.length = 0;
    connect('a', 'g1', 's2', Date.now());
    expect(emitted.flatMap((e) => e.payload.items.map((i) => (i.data as { text: string }).text))).toEqual(['while away']);
    expect(emitted[0]!.payload.catchUp).toBe(true);
  });

  it('counts what it sends, and says whether it routes', async () => {
    const { router, complete, connect, metrics } = routerWithFakeBus();
    connect('a', 'g1', 's1', Date.now());
    await router.deliver([item(['a'])]);
    complete();
    await router.deliver([item(['a'])]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('chat_deliveries_sent_total{how="broadcast"} 1');
    expect(text).toContain('chat_deliveries_sent_total{how="routed"} 1');
    expect(text).toContain('chat_delivery_routing 1');
    expect(text).toContain('chat_delivery_route_sockets 1');
  });

  it('forgets the sockets of a stopped gateway and of an earlier process, but not of a silent one', () => {
    const { router, complete, connect, event } = routerWithFakeBus();
    complete();
    const t = Date.now();
    connect('a', 'g1', 's1', t - 10_000);
    connect('b', 'g1', 's2', t);
    // g1 restarted at t - 1000: a's socket belonged to the process before.
    event('gateway.heartbeat', { gatewayId: 'g1', at: new Date(t).toISOString(), leaseMs: 1000, socketCount: 1, startedAt: new Date(t - 1000).toISOString() }, t);
    expect(router.index.has('a', 'g1')).toBe(false);
    expect(router.index.has('b', 'g1')).toBe(true);
    // A connect replayed from before that start is ignored.
    connect('a', 'g1', 's1', t - 10_000);
    expect(router.index.has('a', 'g1')).toBe(false);
    connect('c', 'g2', 's3', t);
    event('gateway.stopped', { gatewayId: 'g2', at: new Date(t).toISOString() }, t);
    expect(router.index.has('c', 'g2')).toBe(false);
    // Silence is what a broker outage looks like from here: the sockets stay.
    router.sweep(t + 60_000);
    expect(router.index.has('b', 'g1')).toBe(true);
  });

  it('drops a gateway presence forgot, ignores replays of its old connects, and hears its next process', async () => {
    const { router, emitted, complete, connect, event } = routerWithFakeBus();
    complete();
    const t = Date.now();
    const startedAt = new Date(t - 60_000).toISOString();
    event('gateway.heartbeat', { gatewayId: 'g1', at: new Date(t - 50_000).toISOString(), leaseMs: 1000, socketCount: 1, startedAt }, t);
    connect('a', 'g1', 's1', t - 40_000, t);
    connect('a', 'g2', 's2', t - 40_000, t);
    event('gateway.forgotten', { gatewayId: 'g1', at: new Date(t).toISOString() }, t);
    expect(router.index.has('a', 'g1')).toBe(false);
    await router.deliver([item(['a'])]);
    expect(emitted.map((e) => e.key)).toEqual(['g2']);
    // A late beat of the forgotten process, then a replay of its socket's connect: nothing comes back.
    event('gateway.heartbeat', { gatewayId: 'g1', at: new Date(t - 30_000).toISOString(), leaseMs: 1000, socketCount: 1, startedAt }, t + 1);
    connect('a', 'g1', 's1', t - 40_000, t + 1);
    expect(router.index.has('a', 'g1')).toBe(false);
    // A new process of g1, and a socket on it: routed again.
    event('gateway.heartbeat', { gatewayId: 'g1', at: new Date(t + 5000).toISOString(), leaseMs: 1000, socketCount: 0, startedAt: new Date(t + 4000).toISOString() }, t + 5000);
    connect('a', 'g1', 's3', t + 6000, t + 6000);
    expect(router.index.has('a', 'g1')).toBe(true);
  });

  it('keeps the sockets of a later process when presence forgets the one before it', () => {
    const { router, complete, connect, event } = routerWithFakeBus();
    complete();
    const t = Date.now();
    const old = new Date(t - 600_000).toISOString();
    event('gateway.heartbeat', { gatewayId: 'g1', at: new Date(t - 590_000).toISOString(), leaseMs: 1000, socketCount: 1, startedAt: old }, t);
    connect('a', 'g1', 's1', t - 590_000, t);
    // A new process of g1 beats and takes a socket before presence's forget (of the old one) gets here.
    event('gateway.heartbeat', { gatewayId: 'g1', at: new Date(t - 2000).toISOString(), leaseMs: 1000, socketCount: 0, startedAt: new Date(t - 3000).toISOString() }, t);
    connect('b', 'g1', 's2', t - 1000, t);
    event('gateway.forgotten', { gatewayId: 'g1', at: new Date(t).toISOString(), startedAt: old }, t);
    expect(router.index.has('a', 'g1')).toBe(false);
    expect(router.index.has('b', 'g1')).toBe(true);
    // Forgotten without a known process (presence never heard its heartbeat): only what connected before `at` goes.
    connect('c', 'g3', 's3', t - 5000, t);
    connect('d', 'g3', 's4', t + 10, t + 10);
    event('gateway.forgotten', { gatewayId: 'g3', at: new Date(t).toISOString(), startedAt: null }, t + 20);
    expect(router.index.has('c', 'g3')).toBe(false);
    expect(router.index.has('d', 'g3')).toBe(true);
  });

  it('ignores what is not a gateway event it knows', () => {
    const { router } = routerWithFakeBus();
    router.apply('not json', 0);
    router.apply(JSON.stringify({ type: 'socket.connected', payload: { gatewayId: 1 } }), 0);
    router.apply(JSON.stringify({ type: 'presence.probe', payload: { gatewayId: 'g1', at: new Date().toISOString() } }), 0);
    router.apply(JSON.stringify({ type: 'gateway.forgotten', payload: { gatewayId: 'g1' } }), 0);
    expect(router.index.size).toBe(0);
  });
});
