import type { LoggerService } from '@nestjs/common';
import type { Consumer } from 'kafkajs';

/**
 * Logs a consumer's group joins and crashes, and calls `onDead` once when a
 * crash is one kafkajs will not restart from. kafkajs restarts a consumer
 * only after a retriable error; some errors of a broker outage are not
 * (KafkaJSGroupCoordinatorNotFound, "Failed to find group coordinator"), and
 * then the consumer stays stopped while its process lives on, healthy and
 * idle: the one failure nothing would notice. `onDead` starts a new one.
 *
 * `stopping()` tells a crash during our own shutdown apart.
 */
export function watchConsumer(consumer: Consumer, log: LoggerService, stopping: () => boolean, onDead: () => void): void {
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
    log.error(`consumer of ${payload.groupId} stopped, and kafkajs will not restart it: ${payload.error.message}; starting a new one`);
    onDead();
  });
}

/** Runs `start` until it succeeds or `stopping()`, waiting 1 s, then up to 5 s, between attempts. */
export async function retryUntilStarted(start: () => Promise<void>, log: LoggerService, what: string, stopping: () => boolean): Promise<void> {
  for (let attempt = 1; !stopping(); attempt++) {
    await new Promise((r) => setTimeout(r, Math.min(1000 * attempt, 5000)));
    if (stopping()) return;
    try {
      await start();
      log.log(`${what} started again (attempt ${attempt})`);
      return;
    } catch (err) {
      log.warn(`${what} could not start (attempt ${attempt}): ${(err as Error).message}`);
    }
  }
}
