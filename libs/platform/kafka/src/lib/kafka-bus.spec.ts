import { DEFAULT_PARTITIONS } from '@chat/contracts/bus';
import { KafkaBus } from './kafka-bus';
import type { KafkaOptions } from './options';

const options = (service: string): KafkaOptions => ({
  brokers: ['127.0.0.1:1'],
  namespace: 't',
  service,
  instanceId: `${service}-1`,
  partitions: DEFAULT_PARTITIONS,
  replies: true,
  fetchWaitMs: 100,
  ssl: false,
});

describe('KafkaBus', () => {
  it('refuses a write outside its service\'s TOPIC_ACCESS before it reaches the broker', async () => {
    const gateway = new KafkaBus(options('gateway'));
    await expect(gateway.emit('session.revoked', 'u1', { sessionId: 's', userId: 'u1', reason: 'logout' })).rejects.toThrow('gateway may not write to t.chat.session.events.v1');
    expect(() => new KafkaBus(options('users')).request('auth.login', 'k', {} as never)).toThrow('users may not write to t.chat.auth.commands.v1');
    expect(gateway.mayRead('t.chat.deliveries.v1')).toBe(true);
    expect(gateway.mayRead('t.chat.auth.commands.v1')).toBe(false);
  });

  it('holds a client that is not one of the platform\'s services to nothing', () => {
    expect(new KafkaBus(options('bench')).mayRead('t.chat.auth.commands.v1')).toBe(true);
  });
});
