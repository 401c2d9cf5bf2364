import { EventEmitter } from 'node:events';
import type { Consumer } from 'kafkajs';
import { watchConsumer } from './consumer-watch';

/** Just enough of a kafkajs consumer: its event names and `on`. */
function fakeConsumer() {
  const emitter = new EventEmitter();
  const consumer = {
    events: { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' },
    on: (event: string, listener: (e: unknown) => void) => emitter.on(event, listener),
    disconnect: jest.fn(async () => undefined),
  } as unknown as Consumer;
  return { consumer, emit: (event: string, payload: unknown) => emitter.emit(event, { payload }) };
}

const log = () => ({ log: jest.fn(), warn: jest.fn(), error: jest.fn() });

describe('watchConsumer', () => {
  it('starts a new consumer once when kafkajs gives one up, retrying until it starts, and logs why', async () => {
    const { consumer, emit } = fakeConsumer();
    const logger = log();
    // The broker is still away at the first try.
    const end = jest.fn().mockRejectedValueOnce(new Error('connect ECONNREFUSED')).mockResolvedValue(undefined);
    watchConsumer(consumer, logger, () => false, end, 1);
    emit('consumer.crash', { groupId: 'g', restart: false, error: new Error('not retriable') });
    emit('consumer.crash', { groupId: 'g', restart: false, error: new Error('again') });
    await new Promise((r) => setTimeout(r, 50));
    expect(consumer.disconnect).toHaveBeenCalledTimes(1);
    expect(end).toHaveBeenCalledTimes(2);
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('not retriable'));
    expect(logger.log).toHaveBeenCalledWith('consumer of g started again (attempt 2)');
  });

  it('does nothing when kafkajs restarts the consumer itself, or while we are stopping', () => {
    const { consumer, emit } = fakeConsumer();
    const end = jest.fn();
    let stopping = false;
    watchConsumer(consumer, log(), () => stopping, end, 1);
    emit('consumer.crash', { groupId: 'g', restart: true, error: new Error('broker away') });
    stopping = true;
    emit('consumer.crash', { groupId: 'g', restart: false, error: new Error('closing') });
    expect(end).not.toHaveBeenCalled();
  });

  it('logs each join with the partitions assigned', () => {
    const { consumer, emit } = fakeConsumer();
    const logger = log();
    watchConsumer(consumer, logger, () => false, jest.fn());
    emit('consumer.group_join', { groupId: 'g', duration: 12, memberAssignment: { 'chat.messaging.commands.v1': [0, 3] } });
    emit('consumer.group_join', { groupId: 'g', duration: 5, memberAssignment: {} });
    expect(logger.log).toHaveBeenNthCalledWith(1, 'joined g in 12 ms: chat.messaging.commands.v1[0,3]');
    expect(logger.log).toHaveBeenNthCalledWith(2, 'joined g in 5 ms: no partitions');
  });
});
