import { setTimeout as sleep } from 'node:timers/promises';
import type { LoggerService } from '@nestjs/common';
import type { Consumer } from 'kafkajs';

/**
 * Logs a consumer's group joins and crashes, and replaces it when a crash is
 * one kafkajs will not restart from. kafkajs restarts a consumer only after a
 * retriable error; some errors of a broker outage are not (KafkaJSGroup-
 * CoordinatorNotFound, "Failed to find group coordinator"), and then the
 * consumer stays stopped while its process lives on, healthy and idle: the
 * one failure nothing would notice. So the dead consumer is disconnected and
 * `restart` (which makes, watches and runs a new one) is tried after 1 s,
 * then up to every 5 s, until it succeeds or `stopping()`.
 */
export function watchConsumer(consumer: Consumer, log: LoggerService, stopping: () => boolean, restart: () => Promise<void>, retryDelayMs = 1000): void {
  let dead = false;
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const assigned = Object.entries(payload.memberAssignment).map(([topic, partitions]) => `${topic}[${partitions.join(',')}]`);
    log.log(`joined ${payload.groupId} in ${payload.duration} ms: ${assigned.join(' ') || 'no partitions'}`);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) {
      log.warn(`consumer of ${payload.groupId} failed and restarts: ${payload.error.message}`);
      return;
    }
    if (stopping() || dead) return;
    dead = true;
    const what = `consumer of ${payload.groupId}`;
    log.error(`${what} stopped, and kafkajs will not restart it: ${payload.error.message}; starting a new one`);
    void (async () => {
      await consumer.disconnect().catch(() => undefined);
      for (let attempt = 1; !stopping(); attempt++) {
        await sleep(Math.min(retryDelayMs * attempt, 5 * retryDelayMs));
        if (stopping()) return;
        try {
          await restart();
          log.log(`${what} started again (attempt ${attempt})`);
          return;
        } catch (err) {
          log.warn(`${what} could not start (attempt ${attempt}): ${(err as Error).message}`);
        }
      }
    })();
  });
}
