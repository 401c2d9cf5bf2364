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

describe('KafkaBus.connect', () => {
  type Listener = (e: { payload: Record<string, unknown> }) => void;
  /** kafkajs stand-ins: an admin, a producer, and reply consumers that crash before joining `crashes` times. */
  function fakeKafka(bus: KafkaBus, { crashes = 0, topicsError }: { crashes?: number; topicsError?: Error } = {}) {
    const calls: string[] = [];
    let made = 0;
    const consumer = () => {
      const n = ++made;
      const on: Record<string, Listener[]> = {};
      const emit = (event: string, payload: Record<string, unknown>) => (on[event] ?? []).forEach((l) => l({ payload }));
      return {
        events: { GROUP_JOIN: 'join', CRASH: 'crash' },
        on: (event: string, l: Listener) => void (on[event] ??= []).push(l),
        connect: async () => void calls.push(`consumer ${n} connect`),
        subscribe: async () => undefined,
        run: async () => {
          setTimeout(() =>
            n <= crashes
              ? emit('crash', { groupId: 'g', restart: false, error: new Error('Not authorized to access group: Group authorization failed') })
              : emit('join', { groupId: 'g', duration: 1, memberAssignment: {} }),
          );
        },
        disconnect: async () => void calls.push(`consumer ${n} disconnect`),
      };
    };
    const admin = {
      connect: async () => void calls.push('admin connect'),
      listTopics: async () => [],
      createTopics: async () => {
        if (topicsError) throw topicsError;
      },
      disconnect: async () => void calls.push('admin disconnect'),
      describeCluster: async () => ({}),
    };
    const producer = { connect: async () => void calls.push('producer connect'), disconnect: async () => void calls.push('producer disconnect') };
    Object.assign(bus, { kafka: { admin: () => admin, consumer }, producer });
    return calls;
  }

  it('finishes when a reply consumer that crashed before its first join is replaced and the new one joins (it used to wait forever)', async () => {
    const bus = new KafkaBus(options('auth'));
    const calls = fakeKafka(bus, { crashes: 1 });
    await bus.connect();
    expect(calls).toEqual(expect.arrayContaining(['consumer 1 disconnect', 'consumer 2 connect']));
    expect(bus.isHealthy()).toBe(true);
    await bus.onApplicationShutdown();
  });

  it('leaves nothing connected when it fails, so it can be tried again', async () => {
    const bus = new KafkaBus(options('auth'));
    const calls = fakeKafka(bus, { topicsError: Object.assign(new Error('Topic authorization failed'), { retriable: false }) });
    await expect(bus.connect()).rejects.toThrow('Topic authorization failed');
    expect(calls).toEqual(['admin connect', 'admin disconnect', 'producer disconnect']);
    fakeKafka(bus);
    await bus.connect();
    expect(bus.isHealthy()).toBe(true);
    await bus.onApplicationShutdown();
  });
});
