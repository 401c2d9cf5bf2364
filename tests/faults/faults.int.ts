import { setTimeout as sleep } from 'node:timers/promises';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { TOPICS } from '@chat/contracts/bus';
import { ChatLoad, startPlatform, type LoadReport, type Platform, type ServiceName } from '@chat/testing';

const RESULTS = join(__dirname, '../../test-results');
mkdirSync(RESULTS, { recursive: true });

function record(scenario: string, report: LoadReport & { resumedAfterMs?: number }): void {
  const line = { scenario, ...report, at: new Date().toISOString() };
  appendFileSync(join(RESULTS, 'faults.jsonl'), `${JSON.stringify(line)}\n`);
  console.log(`[fault] ${scenario}: ${JSON.stringify(report)}`);
}

/** The guarantees every scenario must keep, checked through the protocol alone. */
function expectIntact(report: LoadReport): void {
  expect(report.acked).toBe(report.sent);
  expect(report).toMatchObject({ lost: 0, duplicated: 0, seqContiguous: true, socketsMissing: 0, duplicatePushes: 0 });
  expect(report.stored).toBe(report.acked);
}

describe('faults: nothing acked is lost or doubled while processes die', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({ replicas: { gateway: 2, messaging: 2 }, env: { RATE_LIMITS: 'off', REQUEST_TIMEOUT_MS: '4000' } });
  }, 300_000);

  // No process may end by itself: the only deaths are the ones a scenario causes.
  afterEach(() => {
    expect(platform.crashes).toEqual([]);
  });

  afterAll(async () => {
    await platform?.stop();
  });

  async function withLoad(scenario: string, fault: (load: ChatLoad) => Promise<void>, opts: { messagesPerSender?: number } = {}): Promise<LoadReport> {
    const load = new ChatLoad({ urls: () => platform.urls, messagesPerSender: opts.messagesPerSender ?? 100, intervalMs: 25, ackTimeoutMs: 3000 });
    try {
      await load.setup();
      const running = load.run();
      await sleep(800);
      await fault(load);
      await running;
      const report = await load.verify();
      record(scenario, report);
      return report;
    } finally {
      load.close();
    }
  }

  const services: ServiceName[] = ['messaging', 'users', 'auth', 'presence'];
  for (const service of services) {
    it(`SIGKILL of ${service} during a load: every acked message stored once, in order, and heard by every socket`, async () => {
      const report = await withLoad(`sigkill-${service}`, async () => {
        await platform.signal(service, 0, 'SIGKILL');
        await sleep(1000);
        await platform.restart(service, 0);
      });
      expectIntact(report);
    }, 300_000);
  }

  it('SIGKILL of one of two gateways: its clients reconnect to the other and catch up', async () => {
    const report = await withLoad('sigkill-gateway', async () => {
      await platform.signal('gateway', 1, 'SIGKILL');
      await sleep(3000);
    });
    expectIntact(report);
    expect(report.reconnects).toBeGreaterThan(0);
    await platform.restart('gateway', 1);
  }, 300_000);

  it('a messaging consumer paused with SIGSTOP past its session timeout, then resumed, duplicates and loses nothing', async () => {
    const report = await withLoad(
      'sigstop-messaging',
      async () => {
        await platform.signal('messaging', 0, 'SIGSTOP');
        await sleep(13_000); // session timeout is 10 s: the group moves its partitions to the other replica
        await platform.signal('messaging', 0, 'SIGCONT');
      },
      { messagesPerSender: 200 },
    );
    expectIntact(report);
  }, 300_000);

  it('a poison message on each consumed topic goes to the dead-letter topic and does not stop its partition', async () => {
    const kafka = new Kafka({ brokers: process.env['KAFKA_BROKERS']!.split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const load = new ChatLoad({ urls: () => platform.urls, messagesPerSender: 50, intervalMs: 20 });
    await load.setup();
    const poisoned = Object.entries(TOPICS).filter(([key]) => key !== 'replies' && key !== 'deadLetters');
    for (const [, topic] of poisoned) {
      const name = `${platform.namespace}.${topic}`;
      await producer.send({
        topic: name,
        messages: [
          { key: load.conversationId, value: 'not json at all' },
          {
            key: load.conversationId,
            value: JSON.stringify({ id: 'p1', type: 'messages.send', version: 1, time: new Date().toISOString(), correlationId: 'p1', payload: { conversationId: { $gt: '' } } }),
          },
        ],
      });
    }
    // The load runs through the same partitions the poison went to.
    await load.run();
    const report = await load.verify();
    load.close();
    record('poison', report);
    expectIntact(report);

    const consumer = kafka.consumer({ groupId: `${platform.namespace}.dlq-reader` });
    await consumer.connect();
    await consumer.subscribe({ topic: `${platform.namespace}.${TOPICS.deadLetters}`, fromBeginning: true });
    const seen = new Set<string>();
    const expected = [TOPICS.authCommands, TOPICS.usersCommands, TOPICS.messagingCommands, TOPICS.deliveries, TOPICS.gatewayEvents, TOPICS.conversationEvents];
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 15000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const letter = JSON.parse(message.value!.toString()) as { topic: string };
          seen.add(letter.topic.replace(`${platform.namespace}.`, ''));
          if (expected.every((t) => seen.has(t))) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    await producer.disconnect();
    expect([...seen].sort()).toEqual(expect.arrayContaining(expected));
  }, 300_000);
});
