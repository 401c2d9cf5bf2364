import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { BROADCAST_DELIVERY_KEY, TOPICS } from '@chat/contracts/bus';
import { ChatLoad, closeAll, connectedUser, http, ok, register, request, startPlatform, uniqueName, type LoadReport, type Platform, type ServiceName } from '@chat/testing';

const RESULTS = join(__dirname, '../../test-results');
mkdirSync(RESULTS, { recursive: true });

function record(scenario: string, report: LoadReport & { resumedAfterMs?: number }): void {
  const line = { scenario, ...report, at: new Date().toISOString() };
  appendFileSync(join(RESULTS, 'faults.jsonl'), `${JSON.stringify(line)}\n`);
  console.log(`[fault] ${scenario}: ${JSON.stringify(report)}`);
}

/** What one scenario may cost: how long sends may stall, how many may be retried. */
interface Bounds {
  maxGapMs: number;
  maxRetries: number;
}

/**
 * The guarantees every scenario must keep, checked through the protocol alone: every
 * acked message stored once, seq without holes, every socket that stayed connected
 * heard every message live (guarantee 4; catch-up from history is counted apart and
 * is no excuse), and the stall and the retries within the scenario's bounds.
 */
function expectIntact(report: LoadReport, bounds: Bounds): void {
  expect(report.acked).toBe(report.sent);
  expect(report).toMatchObject({ lost: 0, duplicated: 0, seqContiguous: true, socketsMissing: 0, steadySocketsMissingLive: 0, duplicatePushes: 0, repliesBroken: 0, reactionsLost: 0 });
  expect(report.stored).toBe(report.acked);
  expect(report.retryCauses['INTERNAL'] ?? 0).toBe(0);
  expect(report.retries).toBeLessThanOrEqual(bounds.maxRetries);
  expect(report.longestGapMs).toBeLessThanOrEqual(bounds.maxGapMs);
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

  /** Runs a load over eight groups (every partition in use) and lets the fault strike once 40 sends are acked. */
  async function withLoad(scenario: string, fault: (load: ChatLoad) => Promise<void>, opts: { messagesPerSender?: number } = {}): Promise<LoadReport> {
    const load = new ChatLoad({ urls: () => platform.urls, messagesPerSender: opts.messagesPerSender ?? 100, intervalMs: 25, ackTimeoutMs: 3000 });
    try {
      await load.setup();
      const running = load.run();
      await load.untilAcked(40);
      await fault(load);
      await running;
      const report = await load.verify();
      record(scenario, report);
      // Nothing a healthy service handled went to the dead-letter topic.
      expect(await platform.deadLetters()).toBe(0);
      return report;
    } finally {
      load.close();
    }
  }

  it('SIGKILL of messaging during a load: every acked message stored once, in order, and heard live by every socket', async () => {
    const report = await withLoad('sigkill-messaging', async (load) => {
      // Aimed: the process that owns the first group's partition (from the group's assignment).
      const { index } = await platform.ownerOf('messaging', 'messagingCommands', load.conversationIds[0]!);
      await platform.signal('messaging', index, 'SIGKILL');
      await sleep(1000);
      await platform.restart('messaging', index);
    });
    expectIntact(report, { maxGapMs: 20_000, maxRetries: 40 });
    // The kill landed: sends to the killed replica's partitions had to be retried.
    expect(report.retries).toBeGreaterThan(0);
  }, 300_000);

  for (const service of ['users', 'auth', 'presence'] as ServiceName[]) {
    it(`SIGKILL of ${service} during a load: messages flow on untouched`, async () => {
      const report = await withLoad(`sigkill-${service}`, async () => {
        await platform.signal(service, 0, 'SIGKILL');
        await sleep(1000);
        await platform.restart(service, 0);
      });
      expectIntact(report, { maxGapMs: 3_000, maxRetries: 0 });
    }, 300_000);
  }

  it('SIGKILL of users while it renames a group: every acked rename applied, in order, the last one wins', async () => {
    const owner = await connectedUser(platform.url);
    const member = await register(platform.url);
    const { conversation } = await ok(owner.socket, 'group:create', { name: 'rename 0', memberIds: [member.user.id] });
    const renames = 30;
    const causes: Record<string, number> = {};
    const writer = (async () => {
      for (let i = 1; i <= renames; i++) {
        for (let attempt = 0; attempt < 40; attempt++) {
          const ack = await request(owner.socket, 'group:rename', { conversationId: conversation.id, name: `rename ${i}` }, 3000).catch(() => null);
          if (ack?.ok) break;
          const cause = ack ? ack.error.code : 'timeout';
          causes[cause] = (causes[cause] ?? 0) + 1;
          if (ack && ack.error.code !== 'UNAVAILABLE') throw new Error(`rename refused: ${ack.error.code} ${ack.error.message}`);
          await sleep(250);
        }
        await sleep(30);
      }
    })();
    await sleep(300);
    await platform.signal('users', 0, 'SIGKILL');
    await sleep(1000);
    await platform.restart('users', 0);
    await writer;
    const { conversations } = await ok(owner.socket, 'conversation:list', {});
    const after = conversations.find((c) => c.id === conversation.id);
    console.log(`[fault] sigkill-users-renaming: ${JSON.stringify({ renames, causes, name: after?.name })}`);
    expect(after?.name).toBe(`rename ${renames}`);
    expect(causes['INTERNAL'] ?? 0).toBe(0);
    closeAll(owner.socket);
  }, 300_000);

  it('SIGKILL of auth while people register: each acked or retried account exists once and signs in', async () => {
    const names = Array.from({ length: 20 }, () => uniqueName('reg'));
    const causes: Record<string, number> = {};
    const writer = (async () => {
      for (const username of names) {
        for (let attempt = 0; attempt < 40; attempt++) {
          const res = await http(platform.url, 'POST', '/api/v1/auth/register', { username, password: 'correct horse battery' }).catch(() => null);
          // 409 on a retry: the first attempt went through before its answer was lost.
          if (res && (res.status === 201 || (res.status === 409 && attempt > 0))) break;
          const cause = res ? String(res.status) : 'network';
          causes[cause] = (causes[cause] ?? 0) + 1;
          if (res && res.status !== 503 && res.status !== 504) throw new Error(`register ${username}: ${res.status} ${JSON.stringify(res.body)}`);
          await sleep(250);
        }
      }
    })();
    await sleep(300);
    await platform.signal('auth', 0, 'SIGKILL');
    await sleep(1000);
    await platform.restart('auth', 0);
    await writer;
    console.log(`[fault] sigkill-auth-registering: ${JSON.stringify({ registrations: names.length, causes })}`);
    for (const username of names) {
      const login = await http(platform.url, 'POST', '/api/v1/auth/login', { username, password: 'correct horse battery' });
      expect({ username, status: login.status }).toEqual({ username, status: 200 });
    }
  }, 300_000);

  it('SIGKILL of auth while sessions refresh: no session ends, a retry with the same Idempotency-Key gets the same pair', async () => {
    const sessions = await Promise.all(Array.from({ length: 8 }, () => register(platform.url)));
    const rounds = 15;
    const causes: Record<string, number> = {};
    let refreshed = 0;
    let repeatedAnswers = 0;
    const refresher = async (start: { refreshToken: string }) => {
      let token = start.refreshToken;
      let access = '';
      for (let i = 0; i < rounds; i++) {
        // One attempt, one key; asked again with the same key and token while no answer comes.
        const key = randomBytes(16).toString('base64url');
        let answered = false;
        for (let attempt = 0; attempt < 60 && !answered; attempt++) {
          const res = await http<{ refreshToken: string; accessToken: string }>(platform.url, 'POST', '/api/v1/auth/refresh', { refreshToken: token }, { 'idempotency-key': key }).catch(() => null);
          if (res?.status === 200) {
            if (attempt > 0) repeatedAnswers++;
            token = res.body.refreshToken;
            access = res.body.accessToken;
            answered = true;
            refreshed++;
            break;
          }
          const cause = res ? String(res.status) : 'network';
          causes[cause] = (causes[cause] ?? 0) + 1;
          // Only "no answer" may be asked again; a 401 here is a session the crash ended.
          if (res && res.status !== 503 && res.status !== 504) throw new Error(`refresh ${i}: ${res.status} ${JSON.stringify(res.body)}`);
          await sleep(250);
        }
        if (!answered) throw new Error(`refresh ${i}: no answer after 60 attempts`);
        await sleep(40);
      }
      return { token, access };
    };
    const running = Promise.all(sessions.map(refresher));
    // Strike on progress: once a fifth of the refreshes went through.
    for (let waited = 0; refreshed < (sessions.length * rounds) / 5 && waited < 600; waited++) await sleep(100);
    const before = refreshed;
    await platform.signal('auth', 0, 'SIGKILL');
    await sleep(1000);
    await platform.restart('auth', 0);
    const finals = await running;
    console.log(`[fault] sigkill-auth-refreshing: ${JSON.stringify({ sessions: sessions.length, refreshes: sessions.length * rounds, atKill: before, causes, retriedAndAnswered: repeatedAnswers })}`);
    // The kill landed mid-stream: some refreshes before, and some went unanswered and were asked again.
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(sessions.length * rounds);
    expect(repeatedAnswers).toBeGreaterThan(0);
    // Every session lives: its last access token works, and its last refresh token rotates once more.
    for (const { token, access } of finals) {
      expect((await http(platform.url, 'GET', '/api/v1/me', undefined, { authorization: `Bearer ${access}` })).status).toBe(200);
      expect((await http(platform.url, 'POST', '/api/v1/auth/refresh', { refreshToken: token })).status).toBe(200);
    }
  }, 300_000);

  it('SIGKILL of one of two gateways: its clients reconnect to the other and catch up', async () => {
    const report = await withLoad('sigkill-gateway', async () => {
      await platform.signal('gateway', 1, 'SIGKILL');
      await sleep(3000);
    });
    expectIntact(report, { maxGapMs: 5_000, maxRetries: 20 });
    expect(report.reconnects).toBeGreaterThan(0);
    await platform.restart('gateway', 1);
  }, 300_000);

  it('a messaging consumer paused with SIGSTOP past its session timeout, then resumed, duplicates and loses nothing', async () => {
    const report = await withLoad(
      'sigstop-messaging',
      async (load) => {
        const { index } = await platform.ownerOf('messaging', 'messagingCommands', load.conversationIds[0]!);
        await platform.signal('messaging', index, 'SIGSTOP');
        await sleep(13_000); // session timeout is 10 s: the group moves its partitions to the other replica
        await platform.signal('messaging', index, 'SIGCONT');
      },
      { messagesPerSender: 200 },
    );
    expectIntact(report, { maxGapMs: 25_000, maxRetries: 60 });
    expect(report.retries).toBeGreaterThan(0);
    // The seq fence acts only when the pause caught a send between taking its seq and storing it;
    // then one of the two owners finds the seq taken and counts it. Reported, not required (the
    // timing is the pause's); the messaging unit specs prove the refusal and the count.
    const fenced = (await platform.counter('messaging', 0, 'chat_messaging_seq_taken_total', { by: 'another-writer' })) +
      (await platform.counter('messaging', 1, 'chat_messaging_seq_taken_total', { by: 'another-writer' }));
    console.log(`[fault] sigstop-messaging: sends whose seq another owner had taken (fenced): ${fenced}`);
  }, 300_000);

  it('a poison message on each consumed topic goes to the dead-letter topic and does not stop its partition', async () => {
    const kafka = new Kafka({ brokers: process.env['KAFKA_BROKERS']!.split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const load = new ChatLoad({ urls: () => platform.urls, messagesPerSender: 50, intervalMs: 20 });
    await load.setup();
    const poisoned = Object.entries(TOPICS).filter(([key]) => key !== 'replies' && key !== 'deadLetters');
    for (const [key, topic] of poisoned) {
      const name = `${platform.namespace}.${topic}`;
      // Deliveries are routed: a gateway reads only what is keyed by its id or the broadcast key,
      // and skips, unparsed, another key that shares its partition. So the poison that must reach
      // a gateway's dead-letter path is broadcast; the one keyed by a conversation is for nobody.
      const poisonKey = key === 'deliveries' ? BROADCAST_DELIVERY_KEY : load.conversationId;
      await producer.send({
        topic: name,
        messages: [
          { key: load.conversationId, value: 'not json at all' },
          ...(poisonKey === load.conversationId ? [] : [{ key: poisonKey, value: 'not json at all' }]),
          {
            key: poisonKey,
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
    expectIntact(report, { maxGapMs: 3_000, maxRetries: 0 });

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
