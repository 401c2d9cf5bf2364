import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Consumer, type KafkaMessage, type Message, type PartitionMetadata, type Producer } from 'kafkajs';
import { ChatError } from '@chat/contracts';
import { COMMANDS, EVENTS, isServiceName, ReplyPayloadSchema, TOPIC_ACCESS, TOPICS, type CommandReply, type CommandRequest, type CommandType, type Envelope, type EventPayload, type EventType, type ReplyPayload, type TopicKey } from '@chat/contracts/bus';
import { WriteBatcher } from '@chat/platform-batching';
import { isTransient } from './errors';
import { watchConsumer } from './consumer-watch';
import { groupName, KAFKA_OPTIONS, topicName, type KafkaOptions } from './options';
import { replyAssigner, replyKey, type ReplyLane } from './own-key-assigner';
import { fixKafkajsAutoCommit } from './auto-commit-fix';
import { fixKafkajsRequestQueue } from './request-queue-fix';

// Before any connection exists: no broker connection spins a 1 ms timer at rest,
// and no consumer commits after every batch when it was asked for an interval.
fixKafkajsRequestQueue();
fixKafkajsAutoCommit();

interface Pending {
  resolve: (data: unknown) => void;
  reject: (err: unknown) => void;
  timer: NodeJS.Timeout;
}

const MAX_BATCH = 500;
/** Longer than kafkajs' own retries of a produce (8 tries of up to 10 s, 3 s apart): only a send that never settles meets it. */
const SEND_BOUND_MS = 120_000;
/** The readiness probe asks the broker only after this long without a word from it. */
const PROBE_QUIET_MS = 5000;
/** The reply listener's empty-fetch wait: it is alone in its group, so nothing waits on its heartbeat
 * (a heartbeat goes out after a fetch: at most 5 s + 3 s apart, well within its 15 s session). */
const REPLY_FETCH_WAIT_MS = 3000;

export interface RequestOptions {
  correlationId?: string;
  timeoutMs?: number;
}

/**
 * The platform's Kafka client: one idempotent producer whose sends are
 * batched (kafkajs has no linger: whatever queues while a batch is in flight
 * goes out together in the next one), typed events and request-reply over the
 * contracts' topics.
 */
@Injectable()
export class KafkaBus implements OnApplicationShutdown {
  private readonly log = new Logger(KafkaBus.name);
  private stopping = false;
  readonly kafka: Kafka;
  private readonly producer: Producer;
  private admin?: Admin;
  private replyConsumer?: Consumer;
  /** Set by a transport whose consumer reads this process's replies (readRepliesElsewhere): connect() starts no reply consumer. */
  private repliesElsewhere = false;
  /** Whatever is produced while a batch is in flight goes out together in the next one. */
  // A produce that fails through one message (over the broker's size limit) is retried message by message,
  // so only its own caller fails; an outage fails the batch at once.
  private readonly sends = new WriteBatcher<{ topic: string; message: Message }, void>((items) => this.send(items), MAX_BATCH, (err) => !isTransient(err), SEND_BOUND_MS);
  private readonly pending = new Map<string, Pending>();
  private connected = false;
  private healthy = false;
  private probeTimer?: NodeJS.Timeout;
  /** When a broker last answered one of this process's clients (a fetch, a heartbeat, a produce). */
  private lastHeard = 0;
  /** The key replies to this process carry (its instance id, maybe with a suffix: replyKey), set when its reply consumer is assigned. */
  private replyTo: string;
  /** Resolved by the first group join of a reply consumer: the one connect() starts or one that replaced it after a crash. */
  private repliesJoined?: { promise: Promise<void>; resolve: () => void };
  /** The topics this service may write (TOPIC_ACCESS); undefined for a client that is not one of the platform's services. */
  private readonly writable?: ReadonlySet<string>;
  private readonly readable?: ReadonlySet<string>;

  constructor(@Inject(KAFKA_OPTIONS) readonly options: KafkaOptions) {
    this.replyTo = options.instanceId;
    if (isServiceName(options.service)) {
      this.writable = new Set(TOPIC_ACCESS[options.service].produce.map((key) => this.topic(key)));
      this.readable = new Set(TOPIC_ACCESS[options.service].consume.map((key) => this.topic(key)));
    }
    this.kafka = new Kafka({
      clientId: `${options.service}-${options.instanceId}`,
      brokers: options.brokers,
      ssl: options.ssl,
      sasl: options.sasl,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      requestTimeout: 10000,
      retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 3000 },
    });
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  topic(key: TopicKey): string {
    return topicName(this.options.namespace, TOPICS[key]);
  }

  group(name: string): string {
    return groupName(this.options.namespace, name);
  }

  /** Creates missing topics, connects the producer and, for requesters, the reply listener. */
  async connect(): Promise<void> {
    if (this.connected) return;
    const started = Date.now();
    this.log.log(`connecting to Kafka at ${this.options.brokers.join(',')}${this.options.namespace ? ` (namespace ${this.options.namespace})` : ''}`);
    this.admin = this.kafka.admin();
    try {
      await this.admin.connect();
      await this.ensureTopics();
      await this.producer.connect();
      if (this.options.replies && !this.repliesElsewhere) await this.listenForReplies();
    } catch (err) {
      // Nothing half-connected is left behind: a caller may try again (a principal not made yet).
      await this.admin.disconnect().catch(() => undefined);
      this.admin = undefined;
      await this.producer.disconnect().catch(() => undefined);
      throw err;
    }
    this.connected = true;
    this.healthy = true;
    this.log.log(`connected to Kafka in ${Date.now() - started} ms`);
    this.probeTimer = setInterval(() => void this.probe(), 2000);
    this.probeTimer.unref();
  }

  isHealthy(): boolean {
    return this.healthy;
  }

  /**
   * Counts a consumer's fetches and heartbeats as signs of a live broker, so that the
   * readiness probe asks the broker itself only when no client has heard from it lately.
   */
  watch(consumer: Consumer): void {
    const heard = () => (this.lastHeard = Date.now());
    consumer.on(consumer.events.HEARTBEAT, heard);
    consumer.on(consumer.events.FETCH, heard);
  }

  private async probe(): Promise<void> {
    // At rest every consumer fetches and beats at least every few seconds: that is the probe.
    if (Date.now() - this.lastHeard < PROBE_QUIET_MS) {
      this.healthy = true;
      return;
    }
    try {
      await this.admin?.describeCluster();
      this.lastHeard = Date.now();
      this.healthy = true;
    } catch {
      this.healthy = false;
    }
  }

  private async ensureTopics(): Promise<void> {
    const existing = new Set(await this.admin!.listTopics());
    const wanted = (Object.keys(TOPICS) as TopicKey[])
      .map((key) => ({ topic: this.topic(key), numPartitions: this.options.partitions[key] }))
      .filter((t) => !existing.has(t.topic));
    if (wanted.length === 0) return;
    try {
      await this.admin!.createTopics({
        topics: wanted.map((t) => ({
          ...t,
          replicationFactor: -1,
          // Sessions revoked within an access token's life are all a gateway needs at start.
          configEntries: t.topic.endsWith(TOPICS.sessionEvents) ? [{ name: 'retention.ms', value: String(60 * 60 * 1000) }] : [],
        })),
        waitForLeaders: true,
      });
    } catch (err) {
      // Another process may have created them at the same moment, or the broker is still electing
      // their leaders when the wait gives up (a retriable error): producers and consumers wait for
      // leaders themselves, so neither is a reason to die at start-up.
      const e = err as { message?: string; retriable?: boolean };
      if (!String(e.message).includes('exists') && e.retriable !== true) throw err;
      this.log.warn(`topic creation: ${e.message}; continuing`);
    }
  }

  private envelope<P>(type: string, payload: P, correlationId?: string, replyTo?: string): Envelope<P> {
    const id = randomUUID();
    return { id, type, version: 1, time: new Date().toISOString(), correlationId: correlationId ?? id, replyTo, payload };
  }

  /** Publishes a fact; resolves once the broker has it (acks=all). */
  emit<T extends EventType>(type: T, key: string, payload: EventPayload<T>, correlationId?: string): Promise<void> {
    const env = this.envelope(type, payload, correlationId);
    return this.enqueue(topicName(this.options.namespace, EVENTS[type].topic), { key, value: JSON.stringify(env) });
  }

  /** Publishes a raw value on a topic (dead letters, tests). */
  produceRaw(topic: string, key: string | null, value: string): Promise<void> {
    return this.enqueue(topic, { key, value });
  }

  /** Sends a command to its owning service and waits for the answer. */
  request<T extends CommandType>(type: T, key: string, payload: CommandRequest<T>, opts: RequestOptions = {}): Promise<CommandReply<T>> {
    if (!this.options.replies) throw new Error('this process does not listen for replies');
    const refused = this.refusal(topicName(this.options.namespace, COMMANDS[type].topic));
    if (refused) throw refused;
    const env = this.envelope(type, payload, opts.correlationId, this.replyTo);
    const timeoutMs = opts.timeoutMs ?? 10000;
    return new Promise<CommandReply<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(env.id);
        reject(new ChatError('UNAVAILABLE', 'the service did not answer in time; try again'));
      }, timeoutMs);
      this.pending.set(env.id, { resolve: resolve as (d: unknown) => void, reject, timer });
      this.enqueue(topicName(this.options.namespace, COMMANDS[type].topic), { key, value: JSON.stringify(env) }).catch((err) => {
        clearTimeout(timer);
        this.pending.delete(env.id);
        this.log.warn(`request ${type} not sent: ${(err as Error).message}`);
        reject(new ChatError('UNAVAILABLE', 'the message bus is unavailable; try again'));
      });
    });
  }

  /** Called for each reply as it arrives, with its hop in ms (bootstrap points it at the metrics). */
  hop?: (topic: string, ms: number) => void;

  /** A topic's name without the deployment's namespace, for metrics' labels. */
  unqualified(topic: string): string {
    const ns = this.options.namespace;
    return ns && topic.startsWith(`${ns}.`) ? topic.slice(ns.length + 1) : topic;
  }

  /** Answers a command (used by the transport). */
  reply(to: string, correlationId: string, payload: ReplyPayload): Promise<void> {
    const env = this.envelope('reply', payload, correlationId);
    return this.enqueue(this.topic('replies'), { key: to, value: JSON.stringify(env) });
  }

  private enqueue(topic: string, message: Message): Promise<void> {
    const refused = this.refusal(topic);
    return refused ? Promise.reject(refused) : this.sends.add({ topic, message });
  }

  /** Whether this service may subscribe to a topic (TOPIC_ACCESS). */
  mayRead(topic: string): boolean {
    return !this.readable || this.readable.has(topic);
  }

  /** A broker with ACLs would refuse a write outside TOPIC_ACCESS; refusing it here shows the gap on an open broker too. */
  private refusal(topic: string): Error | undefined {
    if (!this.writable || this.writable.has(topic)) return undefined;
    return new Error(`${this.options.service} may not write to ${topic} (TOPIC_ACCESS in @chat/contracts/bus)`);
  }

  private async send(items: { topic: string; message: Message }[]): Promise<void[]> {
    const byTopic = new Map<string, Message[]>();
    for (const { topic, message } of items) {
      const list = byTopic.get(topic);
      if (list) list.push(message);
      else byTopic.set(topic, [message]);
    }
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    this.lastHeard = Date.now();
    return items.map(() => undefined);
  }

  private get lane(): ReplyLane {
    return this.options.service === 'gateway' ? 'gateways' : 'services';
  }

  /**
   * Hands this process's replies to the transport's consumer, when its group has this process alone
   * (a gateway replica): one fetch then brings the answers and the deliveries together, where two
   * consumers made two fetches a message. Called before connect(), which then starts no reply
   * consumer; the transport reads the partition `replyKeysOf` names and hands each reply to `takeReply`.
   */
  readRepliesElsewhere(): void {
    if (this.connected) throw new Error('readRepliesElsewhere() comes before connect()');
    this.repliesElsewhere = true;
  }

  /**
   * For the assigner of a consumer that reads this process's replies: on the replies topic, the key
   * they carry for its partition count (replyKey), which this process then puts in its requests'
   * replyTo; undefined for any other topic.
   */
  replyKeysOf(topic: string, partitions: PartitionMetadata[]): string[] | undefined {
    if (topic !== this.topic('replies')) return undefined;
    this.replyTo = replyKey(topic, partitions, this.options.instanceId, this.lane);
    return [this.replyTo];
  }

  /** Settles the request a reply answers; ignores another process's reply (a shared partition), a malformed one and a late one. */
  takeReply(message: Pick<KafkaMessage, 'key' | 'value'>): void {
    if (message.key?.toString() !== this.replyTo || !message.value) return;
    let parsed: ReplyPayload;
    try {
      parsed = ReplyPayloadSchema.parse((JSON.parse(message.value.toString()) as Envelope).payload);
    } catch {
      return;
    }
    const pending = this.pending.get(parsed.inReplyTo);
    if (!pending) return;
    this.pending.delete(parsed.inReplyTo);
    clearTimeout(pending.timer);
    if (parsed.ok) pending.resolve(parsed.data);
    else pending.reject(new ChatError(parsed.error.code, parsed.error.message));
  }

  /** Starts the reply consumer; at start-up waits for its first join, on a restart only for it to run. */
  private async listenForReplies(waitForJoin = true): Promise<void> {
    const consumer = this.kafka.consumer({
      // Named after the service, so its principal's group ACL (`<service>` prefixed) covers it.
      groupId: this.group(`${this.options.service}.replies-${this.options.instanceId}`),
      // A reply answers a held fetch at once; an empty one may wait as long as the heartbeat does.
      maxWaitTimeInMs: Math.max(this.options.fetchWaitMs, REPLY_FETCH_WAIT_MS),
      // The only member of its group: no rebalance to hear about, so a heartbeat now and then.
      sessionTimeout: 15000,
      heartbeatInterval: 5000,
      // Only the partition replies to this process land on (keyed by its reply key), in its lane.
      partitionAssigners: [replyAssigner(this.options.instanceId, this.lane, (key) => (this.replyTo = key))],
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 3000 },
    });
    this.replyConsumer = consumer;
    this.watch(consumer);
    if (waitForJoin) {
      let resolve!: () => void;
      this.repliesJoined = { promise: new Promise<void>((r) => (resolve = r)), resolve };
    }
    // A consumer that crashes before its first join is replaced (watchConsumer): the wait below
    // ends with whichever joins, instead of waiting forever on the dead one.
    consumer.on(consumer.events.GROUP_JOIN, () => this.repliesJoined?.resolve());
    watchConsumer(consumer, this.log, () => this.stopping, () => this.listenForReplies(false));
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: this.topic('replies'), fromBeginning: false });
      await consumer.run({
        // Not after every batch (see auto-commit-fix): a commit round trip would hold up the next reply.
        autoCommitInterval: 1000,
        eachMessage: async ({ topic, message }) => {
          if (message.key?.toString() === this.replyTo) this.hop?.(this.unqualified(topic), Date.now() - Number(message.timestamp));
          this.takeReply(message);
        },
      });
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    if (waitForJoin) await this.repliesJoined!.promise;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.probeTimer);
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new ChatError('UNAVAILABLE', 'shutting down'));
    }
    this.pending.clear();
    await this.replyConsumer?.disconnect().catch(() => undefined);
    // Let queued sends go out before the producer closes.
    for (let i = 0; i < 50 && !this.sends.idle; i++) await new Promise((r) => setTimeout(r, 20));
    await this.producer.disconnect().catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
  }
}

/** Readiness of the broker, from the bus's periodic probe. */
@Injectable()
export class KafkaHealth {
  readonly name = 'kafka';
  constructor(private readonly bus: KafkaBus) {}
  isUp(): boolean {
    return this.bus.isHealthy();
  }
}
