import type { PartitionMetadata } from 'kafkajs';
import { DEFAULT_PARTITIONS } from '@chat/contracts/bus';
import { KafkaBus } from './kafka-bus';
import type { KafkaOptions } from './options';
import { partitionOfKey } from './own-key-assigner';

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
    const emitters: ((event: string, payload: Record<string, unknown>) => void)[] = [];
    let made = 0;
    const consumer = () => {
      const n = ++made;
      const on: Record<string, Listener[]> = {};
      const emit = (event: string, payload: Record<string, unknown>) => (on[event] ?? []).forEach((l) => l({ payload }));
      emitters.push(emit);
      return {
        events: { GROUP_JOIN: 'join', CRASH: 'crash', HEARTBEAT: 'heartbeat', FETCH: 'fetch' },
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
      describeCluster: async () => {
        calls.push('describeCluster');
        if (brokerDown) throw new Error('Connection error');
        return {};
      },
    };
    const producer = {
      connect: async () => void calls.push('producer connect'),
      disconnect: async () => void calls.push('producer disconnect'),
      sendBatch: async ({ topicMessages }: { topicMessages: { topic: string; messages: { key: string; value: string }[] }[] }) => void sent.push(...topicMessages.flatMap((t) => t.messages.map((m) => ({ topic: t.topic, ...m })))),
    };
    const sent: { topic: string; key: string; value: string }[] = [];
    Object.assign(bus, { kafka: { admin: () => admin, consumer }, producer });
    return Object.assign(calls, { emitters, sent });
  }
  let brokerDown = false;

  it('asks the broker for readiness only when no consumer has heard from it for 5 s', async () => {
    const bus = new KafkaBus(options('auth'));
    const calls = fakeKafka(bus);
    await bus.connect();
    const probe = () => (bus as unknown as { probe(): Promise<void> }).probe();
    const asked = () => calls.filter((c) => c === 'describeCluster').length;
    let now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      calls.emitters.at(-1)!('heartbeat', {});
      now += 4000;
      await probe();
      expect(asked()).toBe(0);
      calls.emitters.at(-1)!('fetch', {});
      now += 4900;
      await probe();
      expect(asked()).toBe(0);
      expect(bus.isHealthy()).toBe(true);
      // Silence: the broker itself is asked, and its refusal makes the service unready.
      now += 5100;
      brokerDown = true;
      await probe();
      expect(asked()).toBe(1);
      expect(bus.isHealthy()).toBe(false);
      brokerDown = false;
      await probe();
      expect(asked()).toBe(2);
      expect(bus.isHealthy()).toBe(true);
      // Its answer counts as word from the broker too.
      now += 1000;
      await probe();
      expect(asked()).toBe(2);
    } finally {
      clock.mockRestore();
      await bus.onApplicationShutdown();
    }
  });

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
    expect([...calls]).toEqual(['admin connect', 'admin disconnect', 'producer disconnect']);
    fakeKafka(bus);
    await bus.connect();
    expect(bus.isHealthy()).toBe(true);
    await bus.onApplicationShutdown();
  });

  it("with its replies read by the transport's consumer, starts no reply consumer and settles a request from the reply handed to it", async () => {
    const bus = new KafkaBus(options('gateway'));
    const calls = fakeKafka(bus);
    bus.readRepliesElsewhere();
    await bus.connect();
    expect(calls.filter((c) => c.startsWith('consumer'))).toEqual([]);
    expect(() => bus.readRepliesElsewhere()).toThrow('before connect()');

    // The assigner asks which partition of the replies to read: the reply key's, in the gateways' lane.
    const partitions = Array.from({ length: 8 }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], offlineReplicas: [], partitionErrorCode: 0 })) as PartitionMetadata[];
    expect(bus.replyKeysOf('t.chat.deliveries.v1', partitions)).toBeUndefined();
    const [key] = bus.replyKeysOf('t.chat.replies.v1', partitions)!;
    expect(partitionOfKey('t.chat.replies.v1', partitions, key!)).toBeLessThan(4);

    const answer = bus.request('messages.send', 'c1', { conversationId: 'c1', text: 'hi', clientMsgId: 'm1' } as never, { timeoutMs: 5000 });
    for (let i = 0; i < 20 && calls.sent.length === 0; i++) await new Promise((r) => setImmediate(r));
    const request = JSON.parse(calls.sent[0]!.value) as { id: string; replyTo: string };
    expect(request.replyTo).toBe(key);
    const reply = (to: string, data: unknown) => ({ key: Buffer.from(to), value: Buffer.from(JSON.stringify({ payload: { inReplyTo: request.id, ok: true, data } })) });
    // Another process's reply on a shared partition, and garbage, settle nothing.
    bus.takeReply(reply('gateway-2', { wrong: true }));
    bus.takeReply({ key: Buffer.from(key!), value: Buffer.from('not json') });
    bus.takeReply(reply(key!, { message: 'stored' }));
    await expect(answer).resolves.toEqual({ message: 'stored' });
    await bus.onApplicationShutdown();
  });
});
