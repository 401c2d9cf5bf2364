import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer } from 'kafkajs';
import { BROADCAST_DELIVERY_KEY, EVENTS, type EventPayload } from '@chat/contracts/bus';
import { Metrics } from '@chat/platform-observability';
import { watchConsumer } from './consumer-watch';
import { KafkaBus } from './kafka-bus';
import { RecentDeliveries, RouteIndex, type DeliveryItem, type SocketRoute } from './route-index';

/** Where the index starts: every socket some source knows of now (presence's connections). */
export type RouteSnapshot = () => Promise<SocketRoute[]>;

/** How far before the snapshot the router reads the gateways' events again, for what the snapshot's source had not handled yet. */
export const ROUTES_LOOKBACK_MS = 60_000;
/**
 * A catch-up reaches this far before a socket's connect, for clocks that differ between the
 * gateway and this process (NTP keeps a cluster's within a few milliseconds). Not more: a client
 * that reconnects had what was pushed to its old socket, and would get it twice. (2 s here gave
 * 40 repeated pushes when one of two gateways was killed under load: tests/faults.)
 */
export const ROUTES_CLOCK_MARGIN_MS = 100;
/** The routes consumer is alone in its group: a held fetch answers at once when an event comes, so an empty one may wait long. */
const ROUTES_FETCH_WAIT_MS = 3000;

export interface DeliveryOptions {
  sentAtMs?: number;
  correlationId?: string;
}

/**
 * Sends pushes only to the gateways that hold their recipients' sockets, so a gateway reads
 * what its own sockets get rather than every push of the platform, and adding gateways adds
 * capacity (issue 14). Messaging and presence, the two services that push, each run one.
 *
 * - **The index**: every instance reads the gateways' events (`socket.connected`,
 *   `socket.disconnected`, heartbeats, stops) in a group of its own. At start it takes the
 *   sockets presence knows of (the snapshot), then reads the events of the last minute again
 *   on top of it (set operations: a repeat changes nothing).
 * - **The split**: each delivery goes to each gateway that holds a recipient, keyed by the
 *   gateway's id, with only that gateway's recipients in it. Recipients with no socket are
 *   skipped. Until the index is complete (at start, or while presence cannot answer) deliveries
 *   go to the broadcast key, which every gateway reads, as all of them went before.
 * - **The race**: a socket connects on a gateway, and for some milliseconds this router does not
 *   know it. protocol.md promises it every message stored after its connect. When the router
 *   hears of a user's first socket on a gateway, it sends that gateway, for that user, what it
 *   routed elsewhere since the connect (less ROUTES_CLOCK_MARGIN_MS): the catch-up. It is
 *   produced in the same turn as the index changes, so it is queued before any push routed by
 *   the new index, and each conversation's pushes keep their order on the gateway's partition.
 */
@Injectable()
export class DeliveryRouter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(DeliveryRouter.name);
  readonly index = new RouteIndex();
  private readonly recent = new RecentDeliveries();
  private snapshot?: RouteSnapshot;
  private consumer?: Consumer;
  private complete = false;
  private stopping = false;
  /** Per gateway: when its current process started (from its heartbeats). */
  private readonly started = new Map<string, number>();
  /** Partition → the offset the lookback must reach before the index is complete. */
  private catchingUp?: Map<number, bigint>;
  private sweeper?: NodeJS.Timeout;
  private readonly sent;

  constructor(
    private readonly bus: KafkaBus,
    metrics: Metrics,
  ) {
    this.sent = metrics.counter('chat_deliveries_sent_total', 'Delivery events produced for the gateways: routed to one, broadcast to all, or a catch-up', ['how']);
    metrics.gauge('chat_delivery_routing', '1 while deliveries are routed to the gateways of their recipients, 0 while they are broadcast', [], () => (this.complete ? 1 : 0));
    metrics.gauge('chat_delivery_route_sockets', "Sockets in this process's routing index", [], () => this.index.size);
  }

  /** Where the index starts; the service that pushes names it before the application starts. */
  useSnapshot(snapshot: RouteSnapshot): void {
    this.snapshot = snapshot;
  }

  /** Whether deliveries are routed (true) or still broadcast. */
  get routing(): boolean {
    return this.complete;
  }

  onApplicationBootstrap(): void {
    if (this.bus.options.deliveryRouting === false) {
      this.log.log('DELIVERY_ROUTING=off: every delivery is broadcast');
      return;
    }
    if (!this.snapshot) {
      this.log.warn('no snapshot source: every delivery is broadcast');
      return;
    }
    void this.start();
  }

  /** Sends one change's items. Resolves once the broker has every part (acks=all). */
  deliver(items: readonly DeliveryItem[], opts: DeliveryOptions = {}): Promise<void> {
    const nonEmpty = items.filter((i) => i.userIds.length > 0);
    if (nonEmpty.length === 0) return Promise.resolve();
    const payload = (part: DeliveryItem[]): EventPayload<'delivery'> => (opts.sentAtMs === undefined ? { items: part } : { items: part, sentAtMs: opts.sentAtMs });
    if (!this.complete) {
      this.sent.inc({ how: 'broadcast' });
      return this.bus.emit('delivery', BROADCAST_DELIVERY_KEY, payload(nonEmpty), opts.correlationId);
    }
    const now = Date.now();
    this.recent.add(now, nonEmpty, opts.sentAtMs);
    const sends: Promise<void>[] = [];
    for (const [gatewayId, part] of this.index.split(nonEmpty)) {
      this.sent.inc({ how: 'routed' });
      sends.push(this.bus.emit('delivery', gatewayId, payload(part), opts.correlationId));
    }
    return sends.length === 1 ? sends[0]! : Promise.all(sends).then(() => undefined);
  }

  private async start(): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await this.bus.connect();
        const taken = Date.now();
        const sockets = await this.snapshot!();
        if (this.stopping) return;
        for (const s of sockets) this.index.connected(s);
        await this.follow(taken - ROUTES_LOOKBACK_MS);
        this.sweeper = setInterval(() => this.sweep(Date.now()), 5000);
        this.sweeper.unref();
        this.log.log(`routing index from ${sockets.length} sockets; reading the gateways' events from ${ROUTES_LOOKBACK_MS / 1000} s before it`);
        return;
      } catch (err) {
        await this.consumer?.disconnect().catch(() => undefined);
        this.consumer = undefined;
        if (attempt === 1 || attempt % 10 === 0) this.log.warn(`routing index not built (attempt ${attempt}), deliveries are broadcast meanwhile: ${(err as Error).message}`);
        await sleep(Math.min(1000 * attempt, 5000));
      }
    }
  }

  /** Reads the gateways' events from `from` (ms) on; the index is complete once it has read what was there at the start. */
  private async follow(from: number): Promise<void> {
    const topic = this.bus.topic('gatewayEvents');
    const { starts, ends } = await this.offsets(topic, from);
    const startOf = new Map(starts.map((s) => [s.partition, BigInt(s.offset)]));
    this.catchingUp = new Map(ends.filter((e) => BigInt(e.high) > (startOf.get(e.partition) ?? 0n)).map((e) => [e.partition, BigInt(e.high)]));
    if (this.catchingUp.size === 0) this.completed();
    await this.run(topic, starts);
  }

  /** Where each partition of the topic has its first event at or after `from` (ms), and where it ends now. */
  private async offsets(topic: string, from: number) {
    const admin = this.bus.kafka.admin();
    try {
      await admin.connect();
      return { starts: await admin.fetchTopicOffsetsByTimestamp(topic, from), ends: await admin.fetchTopicOffsets(topic) };
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /**
   * Runs the consumer from the given offsets. It commits none: every start, a first one or one
   * after a crash, reads again from ROUTES_LOOKBACK_MS before it, so a commit would only cost
   * the broker a write every few seconds at rest.
   */
  private async run(topic: string, seekTo: { partition: number; offset: string }[]): Promise<void> {
    const { service, instanceId, fetchWaitMs } = this.bus.options;
    const consumer = this.bus.kafka.consumer({
      groupId: this.bus.group(`${service}.routes-${instanceId}`),
      maxWaitTimeInMs: Math.max(fetchWaitMs, ROUTES_FETCH_WAIT_MS),
      sessionTimeout: 15000,
      heartbeatInterval: 5000,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 3000 },
    });
    this.consumer = consumer;
    this.bus.watch(consumer);
    watchConsumer(consumer, this.log, () => this.stopping, async () => this.run(topic, (await this.offsets(topic, Date.now() - ROUTES_LOOKBACK_MS)).starts));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: false });
    const lag = this.bus.options.routesConnectLagMs ?? 0;
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const raw = message.value?.toString();
        if (raw && lag > 0 && this.complete && raw.includes('"type":"socket.connected"')) await sleep(lag);
        if (raw) this.apply(raw, Date.now());
        this.reached(partition, BigInt(message.offset) + 1n);
      },
    });
    for (const s of seekTo) consumer.seek({ topic, partition: s.partition, offset: s.offset });
  }

  private reached(partition: number, next: bigint): void {
    const end = this.catchingUp?.get(partition);
    if (end === undefined || next < end) return;
    this.catchingUp!.delete(partition);
    if (this.catchingUp!.size === 0) this.completed();
  }

  private completed(): void {
    this.catchingUp = undefined;
    if (this.complete) return;
    this.complete = true;
    this.log.log(`deliveries are routed: ${this.index.size} sockets on ${this.index.gateways().length} gateways`);
  }

  /** Applies one gateway event (an envelope as JSON). Exposed for tests. */
  apply(raw: string, now: number): void {
    let env: { type?: string; payload?: unknown };
    try {
      env = JSON.parse(raw) as typeof env;
    } catch {
      return;
    }
    switch (env.type) {
      case 'socket.connected': {
        const e = EVENTS['socket.connected'].payload.safeParse(env.payload);
        if (!e.success) return;
        const at = Date.parse(e.data.at) || now;
        // A connect from before the gateway's current process started is of a socket already gone.
        const startedAt = this.started.get(e.data.gatewayId);
        if (startedAt !== undefined && at < startedAt) return;
        const first = this.index.connected({ gatewayId: e.data.gatewayId, socketId: e.data.socketId, userId: e.data.userId, at });
        if (first && this.complete) this.catchUp(e.data.userId, e.data.gatewayId, at);
        return;
      }
      case 'socket.disconnected': {
        const e = EVENTS['socket.disconnected'].payload.safeParse(env.payload);
        if (e.success) this.index.disconnected(e.data.gatewayId, e.data.socketId, e.data.userId, now, this.recent.seq);
        return;
      }
      case 'gateway.heartbeat': {
        const e = EVENTS['gateway.heartbeat'].payload.safeParse(env.payload);
        if (!e.success) return;
        const startedAt = Date.parse(e.data.startedAt);
        const known = this.started.get(e.data.gatewayId);
        // A new process of the gateway: the sockets of the one before are gone.
        if (known === undefined || known < startedAt) this.index.dropGateway(e.data.gatewayId, startedAt, now, this.recent.seq);
        this.started.set(e.data.gatewayId, Math.max(startedAt, known ?? 0));
        return;
      }
      case 'gateway.stopped': {
        const e = EVENTS['gateway.stopped'].payload.safeParse(env.payload);
        if (!e.success) return;
        this.index.dropGateway(e.data.gatewayId, Infinity, now, this.recent.seq);
        return;
      }
      case 'gateway.forgotten': {
        // Presence judged the gateway dead (a lapsed lease, then its purge period in silence):
        // its sockets from before `at` go, and a replayed connect from before `at` is ignored
        // from now on. A later process of it is heard as usual, even one whose first heartbeat
        // got here before this (presence decided on what it had handled then): its sockets stay.
        const e = EVENTS['gateway.forgotten'].payload.safeParse(env.payload);
        if (!e.success) return;
        const known = this.started.get(e.data.gatewayId);
        const forgotten = e.data.startedAt ? Date.parse(e.data.startedAt) : undefined;
        if (known !== undefined && forgotten !== undefined && known > forgotten) return;
        const at = Date.parse(e.data.at) || now;
        this.index.dropGateway(e.data.gatewayId, at, now, this.recent.seq);
        this.started.set(e.data.gatewayId, Math.max(at, known ?? 0));
        return;
      }
      default:
    }
  }

  /** Sends the gateway, for the user, what went to no socket of that user there since the connect. */
  private catchUp(userId: string, gatewayId: string, connectedAt: number): void {
    // What was routed while an earlier socket of the user was on the gateway reached it there.
    for (const { items, sentAtMs } of this.recent.since(userId, connectedAt - ROUTES_CLOCK_MARGIN_MS, this.index.goneMark(userId, gatewayId))) {
      this.sent.inc({ how: 'catch_up' });
      const payload: EventPayload<'delivery'> = sentAtMs === undefined ? { items, catchUp: true } : { items, sentAtMs, catchUp: true };
      this.bus.emit('delivery', gatewayId, payload).catch((err) => this.log.warn(`catch-up for ${userId} on ${gatewayId} not sent: ${(err as Error).message}`));
    }
  }

  /**
   * Forgets what the catch-up no longer needs. A silent gateway is NOT taken for dead here: while
   * the broker is away every gateway is silent, and dropping their sockets would stop the pushes
   * to steady sockets for good (the fault suite's Kafka SIGKILL showed it: 5 sockets missed live
   * pushes). Its sockets leave on `gateway.stopped`, a heartbeat from its next process, or
   * `gateway.forgotten`: presence's word that its lease lapsed and it stayed silent for the purge
   * period after (10 minutes by default), when presence forgets its sockets too.
   */
  sweep(now: number): void {
    this.recent.prune(now);
    this.index.forgetGoneBefore(now - this.recent.windowMs);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweeper);
    await this.consumer?.disconnect().catch(() => undefined);
  }
}
