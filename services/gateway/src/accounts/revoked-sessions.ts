import { Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Consumer } from 'kafkajs';
import { EVENTS, type Envelope } from '@chat/contracts/bus';
import { KafkaBus } from '@chat/platform-kafka';

/** Access tokens live at most this long, so a revoked session is remembered this long. */
const REMEMBER_MS = 16 * 60 * 1000;
/** How long a starting gateway waits to read the revocations of the last hour before it serves. */
const CATCH_UP_MS = 5000;

/**
 * Sessions ended by logout or refresh replay, as heard on the session events
 * topic. A gateway that starts (or restarts) after a logout must still refuse
 * that session's access tokens for as long as they live, so at start-up it
 * reads the topic's retained history (an hour, longer than any access token)
 * through a consumer of its own before it accepts requests; live events come
 * in on the same consumer (and through the delivery handlers, which also
 * close the session's sockets).
 */
@Injectable()
export class RevokedSessions implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(RevokedSessions.name);
  private readonly until = new Map<string, number>();
  private consumer?: Consumer;

  constructor(@Optional() private readonly bus?: KafkaBus) {}

  /** Remembers a session as ended since `at` (ms), until its last access token has expired. */
  add(sessionId: string, at = Date.now()): void {
    const until = at + REMEMBER_MS;
    if (until < Date.now()) return;
    if ((this.until.get(sessionId) ?? 0) < until) this.until.set(sessionId, until);
    if (this.until.size % 1000 === 0) this.sweep();
  }

  has(sessionId: string): boolean {
    const t = this.until.get(sessionId);
    if (t === undefined) return false;
    if (t < Date.now()) {
      this.until.delete(sessionId);
      return false;
    }
    return true;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, t] of this.until) if (t < now) this.until.delete(id);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.bus) return;
    try {
      await this.follow(this.bus);
    } catch (err) {
      // Live revocations still arrive through the delivery handlers; only the history is missing.
      this.log.warn(`could not read past session revocations: ${(err as Error).message}`);
    }
  }

  private async follow(bus: KafkaBus): Promise<void> {
    const topic = bus.topic('sessionEvents');
    const admin = bus.kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
    const pending = new Map(ends.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
    let caughtUp!: () => void;
    const done = new Promise<void>((resolve) => (caughtUp = resolve));
    if (pending.size === 0) caughtUp();
    const consumer = bus.kafka.consumer({ groupId: bus.group(`gateway-revocations-${bus.options.instanceId}`), maxWaitTimeInMs: bus.options.fetchWaitMs });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        try {
          const env = JSON.parse(message.value?.toString() ?? '') as Envelope;
          if (env.type === 'session.revoked') {
            const event = EVENTS['session.revoked'].payload.parse(env.payload);
            this.add(event.sessionId, Date.parse(env.time) || Date.now());
          }
        } catch {
          /* not ours to judge: the transport dead-letters bad messages */
        }
        const high = pending.get(partition);
        if (high !== undefined && BigInt(message.offset) + 1n >= high) {
          pending.delete(partition);
          if (pending.size === 0) caughtUp();
        }
      },
    });
    const timer = new Promise<void>((resolve) => setTimeout(resolve, CATCH_UP_MS).unref());
    await Promise.race([done, timer]);
    if (pending.size > 0) this.log.warn('serving before every past session revocation was read');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
  }
}
