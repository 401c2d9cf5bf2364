import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import type { Consumer, EachBatchPayload, KafkaMessage, PartitionMetadata } from 'kafkajs';
import { PinoLogger } from 'nestjs-pino';
import { storage, Store } from 'nestjs-pino/storage';
import { isObservable } from 'rxjs';
import type { z } from 'zod';
import { ChatError } from '@chat/contracts';
import { COMMANDS, EnvelopeSchema, EVENTS, type CommandType, type Envelope, type EventType } from '@chat/contracts/bus';
import { watchConsumer } from './consumer-watch';
import { isTransient } from './errors';
import type { KafkaBus } from './kafka-bus';
import { topicName } from './options';
import { keysAssigner } from './own-key-assigner';

/** What a handler gets beside its payload (`@Ctx()`). */
export interface KafkaContext {
  envelope: Envelope;
  topic: string;
  partition: number;
  offset: string;
  /** The message's key (a delivery's names the gateway it is for). */
  key: string | null;
  /** The fetched batch this message came in (its first and last offsets). */
  batch: { firstOffset: string; lastOffset: string };
}

export interface KafkaTransportOptions {
  /** Consumer group (namespaced by the bus). Give each gateway replica its own to fan out. */
  groupId: string;
  /** Partitions handled at once. */
  concurrency?: number;
  /**
   * Keys handled at once within one partition's batch (default 1: the whole
   * partition in order). Above 1, messages with the same key stay in order,
   * different keys run side by side, and the offset moves past a message only
   * once it and every message before it are done; after a crash the
   * unfinished tail is delivered again, so handlers must be idempotent (ours
   * are: the clientMsgId index, versioned projections).
   */
  keyConcurrency?: number;
  fromBeginning?: boolean;
  /**
   * For a group with this process as its only member (a gateway replica's): which partitions it
   * reads, named by the keys whose messages land on them (`keysOf`; undefined for a topic: all of
   * it), and whether it also reads this process's replies. A gateway reads its own and the
   * broadcast deliveries' partitions, and its replies in the same consumer, so that one fetch
   * brings a message's answer and its push (produced together) instead of two consumers' fetches.
   * Without it, kafkajs' own assigner shares the partitions among the group's members.
   */
  soleMember?: {
    keysOf?: (topic: string, partitions: PartitionMetadata[]) => readonly string[] | undefined;
    replies?: boolean;
  };
  /**
   * Messages no handler here wants, told by their topic and key alone: skipped before their
   * envelope is parsed (a gateway skips the deliveries of another gateway that shares its partition).
   */
  skip?: (topic: string, key: string | null) => boolean;
  /** Called around every handled message, for metrics and logging. */
  observe?: (type: string, ms: number, outcome: 'ok' | 'refused' | 'failed' | 'dead') => void;
  /**
   * Called for each message of a batch, as it arrives, with its topic (without the namespace)
   * and the milliseconds since its produce (the record's timestamp): one Kafka hop. Not for
   * history topics, which are read from their beginning.
   */
  hop?: (topic: string, ms: number) => void;
  /** Called after each batch with how far the group is behind on that partition. */
  lag?: (topic: string, partition: number, lag: number) => void;
}

/** How long a start waits for the history of topics read from their beginning (`@OnEvent(type, { history: true })`). */
export const HISTORY_WAIT_MS = 5000;

/** A message handled for longer than this is logged (every STUCK_SWEEP_MS while it lasts), with its type and attempt. */
export const STUCK_AFTER_MS = 60_000;
const STUCK_SWEEP_MS = 30_000;

/**
 * A NestJS custom transport over the platform's topics: handlers are
 * `@OnCommand(commandType)` and `@OnEvent(eventType)` with types from
 * the contracts. The transport validates each payload with its schema, sends
 * commands' answers to the asker, retries transient failures without moving
 * on (so nothing is lost while a database is away), sends what can never be
 * handled to the dead-letter topic, and commits an offset only after its
 * message is done.
 */
export class KafkaTransport extends Server implements CustomTransportStrategy {
  private consumer?: Consumer;
  private readonly log = new Logger('KafkaTransport');
  private running = false;
  /** Topics read from their beginning whatever `fromBeginning` says (see EventOptions.history). */
  private readonly historyTopics = new Set<string>();
  /** Per history topic, where each partition's retained history starts: the consumer seeks there on every start. */
  private readonly historyStarts = new Map<string, { partition: number; offset: string }[]>();
  /** Per history topic, partition → the offset its history ends at; emptied as the consumer gets there. */
  private readonly historyLeft = new Map<string, Map<number, bigint>>();
  private historyRead?: () => void;
  /** The messages being handled now, so that one that never finishes is seen in the log instead of stalling its partition in silence. */
  private readonly inHand = new Set<{ type: string; correlationId: string; topic: string; partition: number; offset: string; started: number; attempt: number }>();
  private stuckSweep?: NodeJS.Timeout;
  /** Whether the running consumer has sought its history topics since its last start or crash. */
  private historySought = false;
  /** The replies topic, when this consumer reads the process's replies (soleMember.replies). */
  private readonly repliesTopic?: string;

  constructor(
    private readonly bus: KafkaBus,
    private readonly opts: KafkaTransportOptions,
  ) {
    super();
    if (opts.soleMember?.replies) {
      // Before the bootstrap connects the bus, so that it starts no reply consumer of its own.
      bus.readRepliesElsewhere();
      this.repliesTopic = bus.topic('replies');
    }
  }

  listen(callback: (err?: unknown) => void): void {
    this.start().then(
      () => callback(),
      (err) => callback(err),
    );
  }

  private async start(): Promise<void> {
    await this.bus.connect();
    const topics = new Set<string>();
    for (const [type, handler] of this.messageHandlers) {
      const def = (COMMANDS as Record<string, { topic: string }>)[type] ?? (EVENTS as Record<string, { topic: string }>)[type];
      if (!def) throw new Error(`handler for unknown message type "${type}"`);
      const topic = topicName(this.bus.options.namespace, def.topic);
      if (!this.bus.mayRead(topic)) throw new Error(`${this.bus.options.service} may not read ${topic} for "${type}" (TOPIC_ACCESS in @chat/contracts/bus)`);
      topics.add(topic);
      if (handler.extras?.['history']) this.historyTopics.add(topic);
    }
    if (this.repliesTopic) topics.add(this.repliesTopic);
    if (topics.size === 0) return;
    this.running = true;
    this.stuckSweep = setInterval(() => this.reportStuck(Date.now()), STUCK_SWEEP_MS);
    this.stuckSweep.unref();
    const history = await this.historyEnds();
    const joined = await this.startConsumer([...topics]);
    // A request sent before the join would have its reply written ahead of where the new group
    // starts reading: a consumer that reads the replies is waited for (the start-up step bounds it).
    await (this.repliesTopic ? joined : Promise.race([joined, sleep(15000)]));
    if (this.historyTopics.size === 0) return;
    if (!(await Promise.race([history.read.then(() => true), sleep(HISTORY_WAIT_MS).then(() => false)]))) {
      this.log.warn(`serving before the history of ${[...this.historyTopics].join(', ')} was read`);
    }
  }

  /** Notes where each history topic's partitions end now; resolves once the consumer has handled that far. */
  private async historyEnds(): Promise<{ read: Promise<void> }> {
    const done = { read: Promise.resolve() };
    if (this.historyTopics.size === 0) return done;
    const admin = this.bus.kafka.admin();
    try {
      await admin.connect();
      for (const topic of this.historyTopics) {
        const ends = await admin.fetchTopicOffsets(topic);
        this.historyStarts.set(topic, ends.map((o) => ({ partition: o.partition, offset: o.low })));
        const left = new Map(ends.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
        if (left.size) this.historyLeft.set(topic, left);
      }
    } catch (err) {
      // The consumer still reads the history; only the wait for it is lost.
      this.log.warn(`could not read where ${[...this.historyTopics].join(', ')} end: ${(err as Error).message}`);
      this.historyLeft.clear();
      return done;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    if (this.historyLeft.size === 0) return done;
    return { read: new Promise<void>((resolve) => (this.historyRead = resolve)) };
  }

  private handled(topic: string, partition: number, offset: string): void {
    const left = this.historyLeft.get(topic);
    const end = left?.get(partition);
    if (!left || end === undefined || BigInt(offset) + 1n < end) return;
    left.delete(partition);
    if (left.size === 0) this.historyLeft.delete(topic);
    if (this.historyLeft.size === 0) this.historyRead?.();
  }

  /** Creates, subscribes and runs the consumer; resolves once it runs, with a promise of its first join. */
  private async startConsumer(topics: string[]): Promise<Promise<void>> {
    const consumer = this.bus.kafka.consumer({
      groupId: this.bus.group(this.opts.groupId),
      maxWaitTimeInMs: this.bus.options.fetchWaitMs,
      sessionTimeout: 10000,
      rebalanceTimeout: 20000,
      // Short: a member hears of a rebalance at its next heartbeat, and a failover waits for it
      // (3 s here stretched the SIGSTOP scenario's stall from 12 to 23 s).
      heartbeatInterval: 1000,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 3000 },
      ...(this.opts.soleMember ? { partitionAssigners: [this.soleMemberAssigner(this.opts.soleMember)] } : {}),
    });
    this.consumer = consumer;
    this.historySought = false;
    this.bus.watch(consumer);
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    // fromBeginning counts only for a group without saved offsets: a process that restarts under
    // the same group (the same instance id) would resume at its saved end and miss the history it
    // exists to read (a logout before the restart). So the history is sought at the first join
    // after every start and every crash: a consumer that kafkajs restarts after a crash has a new
    // group state without the seeks, and one whose first join failed has no group to seek on
    // when run() returns (`seek` would throw "Consumer group was not initialized").
    consumer.on(consumer.events.CRASH, () => (this.historySought = false));
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (this.historySought) return;
      for (const [topic, starts] of this.historyStarts) for (const { partition, offset } of starts) consumer.seek({ topic, partition, offset });
      this.historySought = true;
    });
    watchConsumer(consumer, this.log, () => !this.running, async () => void (await this.startConsumer(topics)));
    try {
      await consumer.connect();
      const rest = topics.filter((t) => !this.historyTopics.has(t));
      if (rest.length) await consumer.subscribe({ topics: rest, fromBeginning: this.opts.fromBeginning ?? true });
      if (this.historyTopics.size) await consumer.subscribe({ topics: [...this.historyTopics], fromBeginning: true });
      await consumer.run({
        partitionsConsumedConcurrently: this.opts.concurrency ?? 4,
        eachBatchAutoResolve: false,
        autoCommitInterval: 500,
        eachBatch: (payload) => this.eachBatch(payload),
      });
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    return joined;
  }

  private soleMemberAssigner({ keysOf, replies }: NonNullable<KafkaTransportOptions['soleMember']>) {
    return keysAssigner((topic, partitions) => (replies ? this.bus.replyKeysOf(topic, partitions) : undefined) ?? keysOf?.(topic, partitions));
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }: EachBatchPayload): Promise<void> {
    const bounds = { firstOffset: batch.firstOffset() ?? '0', lastOffset: batch.lastOffset() };
    if (this.opts.hop && !this.historyTopics.has(batch.topic)) {
      const now = Date.now();
      const topic = this.bus.unqualified(batch.topic);
      for (const m of batch.messages) this.opts.hop(topic, now - Number(m.timestamp));
    }
    if (batch.topic === this.repliesTopic) {
      // Answers to this process's requests: settled at once, none is handled twice (a late one finds nothing waiting).
      for (const message of batch.messages) {
        this.bus.takeReply(message);
        resolveOffset(message.offset);
      }
      await commitOffsetsIfNecessary();
      await heartbeat();
      return;
    }
    const keys = this.opts.keyConcurrency ?? 1;
    if (keys <= 1) {
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) return;
        const done = await this.handle(batch.topic, batch.partition, message, bounds, heartbeat, isRunning);
        if (!done) return; // stopping mid-retry: leave the offset for whoever comes next
        resolveOffset(message.offset);
        this.handled(batch.topic, batch.partition, message.offset);
      }
    } else {
      const finished = await this.byKey(batch.topic, batch.partition, batch.messages, bounds, keys, heartbeat, () => isRunning() && !isStale());
      for (const message of batch.messages) {
        if (!finished.has(message.offset)) return;
        resolveOffset(message.offset);
        this.handled(batch.topic, batch.partition, message.offset);
      }
    }
    this.opts.lag?.(batch.topic, batch.partition, Number(batch.offsetLag()));
    await commitOffsetsIfNecessary();
    await heartbeat();
  }

  /**
   * Handles a batch as chains of same-key messages, up to `keys` chains at
   * once, each chain in offset order. Returns the offsets that are done.
   */
  private async byKey(
    topic: string,
    partition: number,
    messages: KafkaMessage[],
    bounds: KafkaContext['batch'],
    keys: number,
    heartbeat: () => Promise<void>,
    live: () => boolean,
  ): Promise<Set<string>> {
    const chains = new Map<string, KafkaMessage[]>();
    for (const m of messages) {
      const key = m.key?.toString() ?? '';
      const chain = chains.get(key);
      if (chain) chain.push(m);
      else chains.set(key, [m]);
    }
    const pending = [...chains.values()];
    const finished = new Set<string>();
    let stopped = false;
    const worker = async () => {
      for (let chain = pending.shift(); chain && !stopped; chain = pending.shift()) {
        for (const m of chain) {
          if (stopped || !live()) {
            stopped = true;
            return;
          }
          if (!(await this.handle(topic, partition, m, bounds, heartbeat, live))) {
            stopped = true;
            return;
          }
          finished.add(m.offset);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(keys, pending.length) }, worker));
    return finished;
  }

  /** Returns false only when the consumer stopped while a transient failure was being retried. */
  private async handle(
    topic: string,
    partition: number,
    message: KafkaMessage,
    batch: KafkaContext['batch'],
    heartbeat: () => Promise<void>,
    isRunning: () => boolean,
  ): Promise<boolean> {
    if (this.opts.skip?.(topic, message.key?.toString() ?? null)) return true;
    const raw = message.value?.toString() ?? '';
    let envelope: Envelope;
    try {
      envelope = EnvelopeSchema.parse(JSON.parse(raw)) as Envelope;
    } catch {
      await this.deadLetter(topic, partition, message, 'not a valid envelope');
      return true;
    }
    const handler = this.messageHandlers.get(envelope.type);
    if (!handler) return true; // another service's message on a shared topic
    const command = (COMMANDS as Record<string, { request: z.ZodType }>)[envelope.type as CommandType];
    const event = (EVENTS as Record<string, { payload: z.ZodType }>)[envelope.type as EventType];
    const schema = command ? command.request : event.payload;
    const parsed = schema.safeParse(envelope.payload);
    const started = performance.now();
    if (!parsed.success) {
      await this.deadLetter(topic, partition, message, `invalid ${envelope.type} payload: ${parsed.error.issues[0]?.message}`);
      if (command && envelope.replyTo) {
        await this.answer(envelope, { ok: false, error: { code: 'VALIDATION_FAILED', message: 'invalid request' } });
      }
      this.opts.observe?.(envelope.type, 0, 'dead');
      return true;
    }
    const ctx: KafkaContext = { envelope, topic, partition, offset: message.offset, key: message.key?.toString() ?? null, batch };
    const hand = { type: envelope.type, correlationId: envelope.correlationId, topic, partition, offset: message.offset, started: Date.now(), attempt: 1 };
    this.inHand.add(hand);
    try {
      for (let attempt = 1; ; attempt++) {
        hand.attempt = attempt;
        try {
          // Every log line written while handling carries the request's correlation id.
          const logger = PinoLogger.root?.child({ correlationId: envelope.correlationId, type: envelope.type });
          const result: unknown = logger
            ? await storage.run(new Store(logger), () => handler(parsed.data, ctx))
            : await handler(parsed.data, ctx);
          await this.finish(result, command && envelope.replyTo ? envelope : undefined);
          this.opts.observe?.(envelope.type, performance.now() - started, 'ok');
          return true;
        } catch (err) {
          if (err instanceof ChatError && err.code !== 'INTERNAL' && err.code !== 'UNAVAILABLE') {
            if (command && envelope.replyTo) await this.answer(envelope, { ok: false, error: err.toBody() });
            this.opts.observe?.(envelope.type, performance.now() - started, 'refused');
            return true;
          }
          if (isTransient(err) || (err instanceof ChatError && err.code === 'UNAVAILABLE')) {
            if (!isRunning()) return false;
            if (attempt === 1 || attempt % 20 === 0) {
              this.log.warn(`${envelope.type} waits for a dependency (attempt ${attempt}): ${(err as Error).message}`);
            }
            await sleep(Math.min(100 * 2 ** Math.min(attempt, 5), 3000));
            await heartbeat().catch(() => undefined);
            continue;
          }
          if (attempt < 3) {
            await sleep(100 * attempt);
            continue;
          }
          this.log.error({ err, type: envelope.type, correlationId: envelope.correlationId }, `${envelope.type} failed`);
          if (command && envelope.replyTo) {
            await this.answer(envelope, { ok: false, error: { code: 'INTERNAL', message: 'internal error' } });
          }
          await this.deadLetter(topic, partition, message, `handler failed: ${(err as Error).message}`);
          this.opts.observe?.(envelope.type, performance.now() - started, 'failed');
          return true;
        }
      }
    } finally {
      this.inHand.delete(hand);
    }
  }

  /** Logs every message handled for longer than STUCK_AFTER_MS; returns how many there are. */
  reportStuck(now: number): number {
    let stuck = 0;
    for (const h of this.inHand) {
      const ms = now - h.started;
      if (ms < STUCK_AFTER_MS) continue;
      stuck++;
      this.log.warn(`${h.type} from ${h.topic}[${h.partition}]@${h.offset} (correlation ${h.correlationId}) has been handled for ${Math.round(ms / 1000)} s, attempt ${h.attempt}; its partition waits for it`);
    }
    return stuck;
  }

  /**
   * Waits for a handler's result and answers it. A handler that returns an
   * Observable is answered with its first value, at once, while the handler
   * goes on; the offset is resolved only when it completes. messages.send uses
   * this to answer as soon as the message is stored, in the same produce batch
   * as its push, and to record the timeline after that. An error after the
   * answer is handled like any other (a retry answers again; the asker has
   * already forgotten the request and ignores it).
   */
  private async finish(result: unknown, replyTo: Envelope | undefined): Promise<void> {
    if (!isObservable(result)) {
      if (replyTo) await this.answer(replyTo, { ok: true, data: result ?? {} });
      return;
    }
    let answered: Promise<void> | undefined;
    let last: unknown;
    await new Promise<void>((resolve, reject) => {
      result.subscribe({
        next: (value) => {
          last = value;
          if (replyTo && !answered) {
            answered = this.answer(replyTo, { ok: true, data: value ?? {} });
            // Awaited below, unless the handler fails first (the broker gone, say): then the
            // retry answers again, and this answer's failure must not go unhandled and end the process.
            answered.catch(() => undefined);
          }
        },
        error: reject,
        complete: resolve,
      });
    });
    if (replyTo) await (answered ?? this.answer(replyTo, { ok: true, data: last ?? {} }));
  }

  private answer(envelope: Envelope, result: { ok: true; data: unknown } | { ok: false; error: { code: ChatError['code']; message: string } }) {
    return this.bus.reply(envelope.replyTo!, envelope.correlationId, { inReplyTo: envelope.id, ...result });
  }

  private async deadLetter(topic: string, partition: number, message: KafkaMessage, reason: string): Promise<void> {
    this.log.warn(`dead letter from ${topic}[${partition}]@${message.offset}: ${reason}`);
    const value = JSON.stringify({ topic, partition, offset: message.offset, reason, value: message.value?.toString() ?? '' });
    await this.bus.produceRaw(this.bus.topic('deadLetters'), message.key?.toString() ?? null, value);
  }

  async close(): Promise<void> {
    this.running = false;
    clearInterval(this.stuckSweep);
    // disconnect() waits for the batch in hand, commits what is resolved and leaves the group.
    await this.consumer?.disconnect().catch(() => undefined);
  }

  isRunning(): boolean {
    return this.running;
  }

  on(): never {
    throw new Error('KafkaTransport has no events to listen to');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }
}
