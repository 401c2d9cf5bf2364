import { AssignerProtocol, type Cluster, type KafkaMessage, type PartitionMetadata } from 'kafkajs';
import { Observable } from 'rxjs';
import type { Envelope } from '@chat/contracts/bus';
import type { KafkaBus } from './kafka-bus';
import { KafkaTransport, STUCK_AFTER_MS } from './kafka-transport';
import { partitionOfKey } from './own-key-assigner';

/** A bus whose produce fails for the first `failures` calls, as when the broker is away. */
function fakeBus(failures: number) {
  const replies: unknown[] = [];
  let calls = 0;
  const bus = {
    options: { namespace: 't', service: 'messaging' },
    topic: (name: string) => `t.${name}`,
    unqualified: (topic: string) => topic.replace(/^t\./, ''),
    mayRead: () => true,
    watch: () => undefined,
    reply: jest.fn((_to: string, _correlationId: string, payload: unknown) => {
      calls++;
      if (calls <= failures) return Promise.reject(Object.assign(new Error('Connection error: connect ECONNREFUSED'), { name: 'KafkaJSConnectionError' }));
      replies.push(payload);
      return Promise.resolve();
    }),
    produceRaw: jest.fn(() => Promise.resolve()),
  };
  return { bus: bus as unknown as KafkaBus, replies };
}

function sendMessage(): KafkaMessage {
  const envelope: Envelope = {
    id: 'env-1',
    type: 'messages.send',
    version: 1,
    time: new Date(0).toISOString(),
    correlationId: 'corr-1',
    replyTo: 'gateway-1',
    payload: { actorId: 'u1', conversationId: 'c1', text: 'hi', clientMsgId: 'm1' },
  };
  return { key: Buffer.from('c1'), value: Buffer.from(JSON.stringify(envelope)), offset: '7', timestamp: '0', attributes: 0, headers: {} } as KafkaMessage;
}

type Handle = (topic: string, partition: number, m: KafkaMessage, b: { firstOffset: string; lastOffset: string }, hb: () => Promise<void>, live: () => boolean) => Promise<boolean>;

describe('KafkaTransport', () => {
  it('skips, unparsed and unhandled, what `skip` names by topic and key, and hands on the rest', async () => {
    const { bus } = fakeBus(0);
    const seen: string[] = [];
    const transport = new KafkaTransport(bus, { groupId: 'g', skip: (topic, key) => topic === 't.deliveries' && key === 'c1' });
    transport.addHandler('messages.send', async (p: { text: string }) => void seen.push(p.text));
    const handle = (transport as unknown as { handle: Handle }).handle.bind(transport);
    const garbage = { ...sendMessage(), value: Buffer.from('not an envelope') } as KafkaMessage;
    expect(await handle('t.deliveries', 0, garbage, { firstOffset: '7', lastOffset: '7' }, async () => undefined, () => true)).toBe(true);
    // Skipped before parsing: no dead letter for what was never read.
    expect(bus.produceRaw).not.toHaveBeenCalled();
    expect(await handle('t.other', 0, sendMessage(), { firstOffset: '7', lastOffset: '7' }, async () => undefined, () => true)).toBe(true);
    expect(seen).toEqual(['hi']);
  });

  it('reports each message\'s hop (its produce to the batch), by topic without the namespace', async () => {
    const { bus } = fakeBus(0);
    const hops: [string, number][] = [];
    const transport = new KafkaTransport(bus, { groupId: 'g', hop: (topic, ms) => hops.push([topic, ms]) });
    transport.addHandler('messages.send', async () => undefined);
    const now = Date.now();
    const messages = [
      { ...sendMessage(), timestamp: String(now - 3) },
      { ...sendMessage(), offset: '8', timestamp: String(now - 1) },
    ] as KafkaMessage[];
    const batch = {
      topic: 't.chat.messaging.commands.v1',
      partition: 0,
      messages,
      firstOffset: () => '7',
      lastOffset: () => '8',
      offsetLag: () => '0',
    };
    const eachBatch = (transport as unknown as { eachBatch: (p: object) => Promise<void> }).eachBatch.bind(transport);
    await eachBatch({ batch, resolveOffset: () => undefined, heartbeat: async () => undefined, isRunning: () => true, isStale: () => false, commitOffsetsIfNecessary: async () => undefined });
    expect(hops.map(([t]) => t)).toEqual(['chat.messaging.commands.v1', 'chat.messaging.commands.v1']);
    expect(hops[0]![1]).toBeGreaterThanOrEqual(3);
    expect(hops[1]![1]).toBeGreaterThanOrEqual(1);
    expect(hops[0]![1]).toBeLessThan(1000);
  });

  it("reads its process's replies in its own consumer when it is its group's only member, and hands them to the bus", async () => {
    const taken: string[] = [];
    const handled: string[] = [];
    const bus = {
      ...fakeBus(0).bus,
      readRepliesElsewhere: jest.fn(),
      replyKeysOf: (topic: string) => (topic === 't.replies' ? ['gateway-1.2'] : undefined),
      takeReply: (m: KafkaMessage) => void taken.push(m.offset),
    } as unknown as KafkaBus;
    const transport = new KafkaTransport(bus, { groupId: 'g', soleMember: { replies: true, keysOf: (topic) => (topic === 't.deliveries' ? ['gateway-1', '*'] : undefined) } });
    // At construction, before the bootstrap connects the bus: it must start no reply consumer of its own.
    expect(bus.readRepliesElsewhere).toHaveBeenCalledTimes(1);
    transport.addHandler('messages.send', async () => void handled.push('send'));

    // Its assigner: the reply key's partition of the replies, the keys' of the deliveries, all of the rest.
    const parts = (n: number) => Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], offlineReplicas: [], partitionErrorCode: 0 })) as PartitionMetadata[];
    const cluster = { findTopicPartitionMetadata: (topic: string) => parts(topic === 't.sessions' ? 3 : 8) } as unknown as Cluster;
    const assigner = (transport as unknown as { soleMemberAssigner: (o: object) => (c: object) => { assign: (g: object) => Promise<{ memberAssignment: Buffer }[]> } }).soleMemberAssigner(
      (transport as unknown as { opts: { soleMember: object } }).opts.soleMember,
    )({ cluster, groupId: 'g', logger: undefined });
    const [member] = await assigner.assign({ members: [{ memberId: 'm1', memberMetadata: Buffer.alloc(0) }], topics: ['t.replies', 't.deliveries', 't.sessions'] });
    const { assignment } = AssignerProtocol.MemberAssignment.decode(member!.memberAssignment)!;
    expect(assignment['t.replies']).toEqual([partitionOfKey('t.replies', parts(8), 'gateway-1.2')]);
    expect(assignment['t.deliveries']).toEqual([...new Set([partitionOfKey('t.deliveries', parts(8), 'gateway-1'), partitionOfKey('t.deliveries', parts(8), '*')])].sort((a, b) => a - b));
    expect(assignment['t.sessions']).toEqual([0, 1, 2]);

    // A batch of replies goes to the bus, message by message, each offset resolved; no handler sees it.
    const resolved: string[] = [];
    const batch = { topic: 't.replies', partition: 0, messages: [sendMessage(), { ...sendMessage(), offset: '8' }], firstOffset: () => '7', lastOffset: () => '8', offsetLag: () => '0' };
    const eachBatch = (transport as unknown as { eachBatch: (p: object) => Promise<void> }).eachBatch.bind(transport);
    await eachBatch({ batch, resolveOffset: (o: string) => void resolved.push(o), heartbeat: async () => undefined, isRunning: () => true, isStale: () => false, commitOffsetsIfNecessary: async () => undefined });
    expect(taken).toEqual(['7', '8']);
    expect(resolved).toEqual(['7', '8']);
    expect(handled).toEqual([]);
  });

  it('logs a message handled for longer than STUCK_AFTER_MS, with its place and attempt, and forgets it once done', async () => {
    const { bus } = fakeBus(0);
    const transport = new KafkaTransport(bus, { groupId: 'g' });
    const warnings: string[] = [];
    (transport as unknown as { log: { warn: (m: string) => void } }).log = { warn: (m: string) => warnings.push(m) } as never;
    let finish!: () => void;
    transport.addHandler('messages.send', () => new Promise<unknown>((r) => (finish = () => r({}))));
    const handle = (transport as unknown as { handle: Handle }).handle.bind(transport);
    const handled = handle('t.messaging-commands', 3, sendMessage(), { firstOffset: '7', lastOffset: '7' }, async () => undefined, () => true);
    await new Promise((r) => setImmediate(r));
    expect(transport.reportStuck(Date.now())).toBe(0);
    expect(transport.reportStuck(Date.now() + STUCK_AFTER_MS + 1000)).toBe(1);
    expect(warnings).toEqual([expect.stringMatching(/^messages\.send from t\.messaging-commands\[3\]@7 \(correlation corr-1\) has been handled for 61 s, attempt 1/)]);
    finish();
    expect(await handled).toBe(true);
    expect(transport.reportStuck(Date.now() + STUCK_AFTER_MS + 1000)).toBe(0);
  });

  it('survives an Observable handler whose early answer and later work both fail (broker away), then answers on the retry', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { bus, replies } = fakeBus(1);
      const transport = new KafkaTransport(bus, { groupId: 'g' });
      let attempt = 0;
      transport.addHandler('messages.send', async () => {
        attempt++;
        const failing = attempt === 1;
        return new Observable((subscriber) => {
          subscriber.next({ stored: attempt });
          // The push after the answer fails while the broker is away.
          setImmediate(() => (failing ? subscriber.error(Object.assign(new Error('Connection error: connect ECONNREFUSED'), { name: 'KafkaJSConnectionError' })) : subscriber.complete()));
        });
      });
      const handle = (transport as unknown as { handle: Handle }).handle.bind(transport);
      const done = await handle('t.messaging.commands', 0, sendMessage(), { firstOffset: '7', lastOffset: '7' }, async () => undefined, () => true);
      await new Promise((r) => setImmediate(r));
      expect(done).toBe(true);
      expect(attempt).toBe(2);
      expect(replies).toEqual([{ inReplyTo: 'env-1', ok: true, data: { stored: 2 } }]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('KafkaTransport consumer', () => {
  it('starts a new consumer when kafkajs gives its consumer up for good, and none after close()', async () => {
    const { EventEmitter } = await import('node:events');
    const made: { emitter: InstanceType<typeof EventEmitter>; runs: number; disconnects: number }[] = [];
    const kafka = {
      consumer: () => {
        const entry = { emitter: new EventEmitter(), runs: 0, disconnects: 0 };
        made.push(entry);
        return {
          events: { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' },
          on: (event: string, listener: (e: unknown) => void) => entry.emitter.on(event, listener),
          connect: async () => undefined,
          subscribe: async () => undefined,
          run: async () => {
            entry.runs++;
            setImmediate(() => entry.emitter.emit('consumer.group_join', { payload: { groupId: 'g', duration: 1, memberAssignment: {} } }));
          },
          disconnect: async () => {
            entry.disconnects++;
          },
        };
      },
    };
    const bus = { ...fakeBus(0).bus, kafka, connect: async () => undefined, group: (g: string) => `t.${g}` } as unknown as KafkaBus;
    const transport = new KafkaTransport(bus, { groupId: 'g' });
    transport.addHandler('messages.send', async () => ({}));
    await new Promise<void>((resolve, reject) => transport.listen((err) => (err ? reject(err) : resolve())));
    expect(made.map((m) => m.runs)).toEqual([1]);

    // A broker outage can end a consumer with an error kafkajs does not restart from.
    made[0]!.emitter.emit('consumer.crash', { payload: { groupId: 'g', restart: false, error: new Error('Failed to find group coordinator') } });
    for (let i = 0; i < 40 && made.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect(made.length).toBe(2);
    expect(made[0]!.disconnects).toBe(1);
    expect(made[1]!.runs).toBe(1);

    await transport.close();
    made[1]!.emitter.emit('consumer.crash', { payload: { groupId: 'g', restart: false, error: new Error('closing') } });
    await new Promise((r) => setTimeout(r, 1200));
    expect(made.length).toBe(2);
  });

  it('seeks the history at the join after a first join that failed, instead of failing the start (kafkajs restarts the consumer)', async () => {
    const { EventEmitter } = await import('node:events');
    const emitter = new EventEmitter();
    let group = false;
    const seeks: string[] = [];
    const consumer = {
      events: { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' },
      on: (event: string, listener: (e: unknown) => void) => emitter.on(event, listener),
      connect: async () => undefined,
      subscribe: async () => undefined,
      // As kafkajs does when its first join fails: run() returns, the group state is gone, and a restart is due.
      run: async () => void emitter.emit('consumer.crash', { payload: { groupId: 'g', restart: true, error: new Error('The group coordinator is not available') } }),
      seek: ({ topic, partition, offset }: { topic: string; partition: number; offset: string }) => {
        if (!group) throw new Error('Consumer group was not initialized, consumer#run must be called first');
        seeks.push(`${topic}/${partition}@${offset}`);
      },
      disconnect: async () => undefined,
    };
    const admin = { connect: async () => undefined, disconnect: async () => undefined, fetchTopicOffsets: async () => [{ partition: 0, low: '3', high: '3' }] };
    const bus = { ...fakeBus(0).bus, kafka: { consumer: () => consumer, admin: () => admin }, connect: async () => undefined, group: (g: string) => `t.${g}` } as unknown as KafkaBus;
    const transport = new KafkaTransport(bus, { groupId: 'g' });
    transport.addHandler('session.revoked', async () => ({}), true, { history: true });
    const started = new Promise<unknown>((resolve) => transport.listen((err?: unknown) => resolve(err)));
    await new Promise((r) => setImmediate(r));
    expect(seeks).toEqual([]);
    // kafkajs' restart joins: the history is sought then, and the start goes on.
    group = true;
    emitter.emit('consumer.group_join', { payload: { groupId: 'g', duration: 1, memberAssignment: {} } });
    expect(await started).toBeUndefined();
    expect(seeks).toEqual(['t.chat.session.events.v1/0@3']);
    // A later join of the same consumer (no crash between) does not seek again.
    emitter.emit('consumer.group_join', { payload: { groupId: 'g', duration: 1, memberAssignment: {} } });
    expect(seeks).toHaveLength(1);
    await transport.close();
  });

  it('refuses to start a handler on a topic its service may not read (TOPIC_ACCESS)', async () => {
    const bus = { ...fakeBus(0).bus, connect: async () => undefined, mayRead: (topic: string) => topic !== 't.chat.session.events.v1' } as unknown as KafkaBus;
    const transport = new KafkaTransport(bus, { groupId: 'g' });
    transport.addHandler('session.revoked', async () => ({}), true);
    const err = await new Promise<Error | undefined>((resolve) => transport.listen((e?: unknown) => resolve(e as Error | undefined)));
    expect(err?.message).toMatch(/messaging may not read t\.chat\.session\.events\.v1 for "session\.revoked"/);
  });
});
