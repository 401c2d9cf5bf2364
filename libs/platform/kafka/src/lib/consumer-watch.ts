import type { LoggerService } from '@nestjs/common';
import type { Consumer } from 'kafkajs';

/**
 * Logs a consumer's group joins and crashes, and ends the process when a
 * crash is one kafkajs will not restart from (a non-retriable error). Such a
 * consumer leaves the process alive, healthy and idle, taking no work while
 * its partitions stay assigned to it: the one failure nothing would notice.
 * Ending the process (gracefully, through SIGTERM) hands it to its supervisor:
 * Kubernetes restarts the pod, `npm start` reports the exit.
 *
 * `stopping()` tells a crash during our own shutdown apart.
 */
export function watchConsumer(
  consumer: Consumer,
  log: LoggerService,
  stopping: () => boolean,
  end: () => void = () => process.kill(process.pid, 'SIGTERM'),
): void {
  let ended = false;
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const assigned = Object.entries(payload.memberAssignment).map(([topic, partitions]) => `${topic}[${partitions.join(',')}]`);
    log.log(`joined ${payload.groupId} in ${payload.duration} ms: ${assigned.join(' ') || 'no partitions'}`);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) {
      log.warn(`consumer of ${payload.groupId} failed and restarts: ${payload.error.message}`);
      return;
    }
    if (stopping() || ended) return;
    ended = true;
    log.error(`consumer of ${payload.groupId} stopped for good: ${payload.error.message}; ending the process so that it is restarted`);
    end();
  });
}
