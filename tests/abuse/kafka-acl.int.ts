// Security review finding 8 (Kafka): any pod could forge an actorId, a delivery or a
// `session.revoked`, because the broker let every client write every topic. Here the
// broker signs clients in with SASL/SCRAM and holds each service's principal to the
// ACLs of TOPIC_ACCESS (serviceAcls), as the chart installs it; the platform runs on
// it with every service signed in as itself, and each service's principal is refused
// what belongs to another.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { TOPICS, type ServiceName, type TopicKey } from '@chat/contracts/bus';
import { closeAll, connectedUser, http, ok, startPlatformOnOwnInfra, type OwnInfra, type Platform, type TestUser } from '@chat/testing';

describe('finding 8: each service is its own Kafka principal, held to its own topics', () => {
  let infra: OwnInfra;
  let platform: Platform;
  let stop: () => Promise<void>;
  let passwords: Record<ServiceName, string>;
  const users: TestUser[] = [];

  beforeAll(async () => {
    ({ infra, platform, stop, kafkaPasswords: passwords } = await startPlatformOnOwnInfra({ kafkaAuth: true, env: { RATE_LIMITS: 'off' } }));
  }, 600_000);

  afterAll(async () => {
    closeAll(...users.map((u) => u.socket));
    await stop?.();
  });

  const topic = (key: TopicKey) => `${platform.namespace}.${TOPICS[key]}`;
  const client = (sasl: KafkaConfig['sasl']) =>
    new Kafka({ brokers: infra.kafkaBrokers.split(','), sasl, logLevel: logLevel.NOTHING, connectionTimeout: 3000, requestTimeout: 5000, retry: { retries: 0 } });
  const as = (service: ServiceName) => client({ mechanism: 'scram-sha-512', username: service, password: passwords[service] });
  const envelope = (type: string, payload: unknown) =>
    JSON.stringify({ id: randomUUID(), type, version: 1, time: new Date().toISOString(), correlationId: randomUUID(), payload });

  /** The broker's error type behind a kafkajs error (kafkajs wraps it when it gives up). */
  function brokerError(err: unknown): string {
    for (let e = err as { type?: string; cause?: unknown; originalError?: unknown; name?: string } | undefined; e; e = (e.cause ?? e.originalError) as typeof e) {
      if (e.type) return e.type;
    }
    return (err as Error).message;
  }

  /** Produces one message as a principal: resolves with the broker's error type, or 'ok'. */
  async function produceAs(kafka: Kafka, to: string, value: string): Promise<string> {
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    try {
      await producer.connect();
      await producer.send({ topic: to, acks: -1, messages: [{ key: 'k', value }] });
      return 'ok';
    } catch (err) {
      return brokerError(err);
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  }

  it('runs the platform with every service signed in as itself: sends, groups, typing and logout all flow', async () => {
    const [alice, bob] = [await connectedUser(platform.url), await connectedUser(platform.url)];
    users.push(alice, bob);
    const { conversation } = await ok(alice.socket, 'conversation:direct', { userId: bob.user.id });
    await ok(alice.socket, 'message:send', { conversationId: conversation.id, clientMsgId: randomUUID(), text: 'over SCRAM' });
    await bob.pushes.waitFor('message:new', (m) => m.message.text === 'over SCRAM');
    // users → conversation events → messaging and presence; gateway → typing → presence → deliveries.
    const group = await ok(alice.socket, 'group:create', { name: 'Principals', memberIds: [bob.user.id] });
    await bob.pushes.waitFor('conversation:updated', (c) => c.conversation.id === group.conversation.id);
    await ok(bob.socket, 'typing', { conversationId: group.conversation.id, typing: true });
    await alice.pushes.waitFor('typing', (t) => t.conversationId === group.conversation.id && t.userId === bob.user.id);
    // auth → session events → gateway: a logout ends the session's socket.
    const closed = new Promise((resolve) => bob.socket.once('disconnect', resolve));
    const out = await http(platform.url, 'POST', '/api/v1/auth/logout', { refreshToken: bob.refreshToken }, { authorization: `Bearer ${bob.accessToken}` });
    expect(out.status).toBe(204);
    await closed;
    expect(platform.crashes).toEqual([]);
    expect(await platform.deadLetters()).toBe(0);
  }, 120_000);

  it('refuses a client without credentials, and one with a wrong password', async () => {
    const anonymous = client(undefined).admin();
    await expect(anonymous.connect().then(() => anonymous.describeCluster())).rejects.toThrow();
    await anonymous.disconnect().catch(() => undefined);
    const wrong = client({ mechanism: 'scram-sha-512', username: 'gateway', password: `${passwords.gateway}x` }).admin();
    await expect(wrong.connect()).rejects.toThrow(/SASL|authentication/i);
    await wrong.disconnect().catch(() => undefined);
  }, 60_000);

  it('lets a principal write its own topics and refuses it every other service\'s', async () => {
    // Control: messaging may write its own commands topic (a harmless projection notice).
    expect(await produceAs(as('messaging'), topic('messagingCommands'), envelope('conversation.projected', { conversationId: 'none', version: 0 }))).toBe('ok');
    const victim = await connectedUser(platform.url);
    users.push(victim);
    // A forged logout of the victim's session, from every service but auth.
    const revoked = envelope('session.revoked', { sessionId: 'any', userId: victim.user.id, reason: 'logout' });
    for (const service of ['gateway', 'users', 'messaging', 'presence'] as const) {
      expect([service, await produceAs(as(service), topic('sessionEvents'), revoked)]).toEqual([service, 'TOPIC_AUTHORIZATION_FAILED']);
    }
    // A forged push to sockets, from the gateway (only messaging and presence deliver).
    const push = envelope('delivery', { items: [{ userIds: [victim.user.id], event: 'message:new', data: {} }] });
    expect(await produceAs(as('gateway'), topic('deliveries'), push)).toBe('TOPIC_AUTHORIZATION_FAILED');
    // A forged fact about a conversation (only users states them), and a reply to a gateway's request.
    expect(await produceAs(as('messaging'), topic('conversationEvents'), envelope('conversation.deleted', { conversationId: 'x', memberIds: [], actorId: 'x', version: 1 }))).toBe(
      'TOPIC_AUTHORIZATION_FAILED',
    );
    expect(await produceAs(as('gateway'), topic('replies'), envelope('reply', { inReplyTo: 'x', ok: true, data: {} }))).toBe('TOPIC_AUTHORIZATION_FAILED');
    // A forged release of someone's attachments (their bytes would be deleted): only messaging writes media's topic.
    const release = envelope('attachments.released', { attachmentIds: ['any'] });
    for (const service of ['gateway', 'users', 'presence'] as const) {
      expect([service, await produceAs(as(service), topic('mediaCommands'), release)]).toEqual([service, 'TOPIC_AUTHORIZATION_FAILED']);
    }
    // Nothing forged landed: the victim's socket is still served.
    await ok(victim.socket, 'conversation:list', {});
  }, 120_000);

  it('refuses a principal another service\'s consumer group and topics it does not read', async () => {
    /** Runs a consumer as a principal: 'read' once it has fetched from the topic, else the broker's refusal. */
    async function consumeAs(service: ServiceName, from: TopicKey, group: string): Promise<string> {
      const consumer = as(service).consumer({ groupId: `${platform.namespace}.${group}`, retry: { retries: 0 }, sessionTimeout: 10_000 });
      try {
        const outcome = new Promise<string>((resolve) => {
          consumer.on(consumer.events.CRASH, (e) => resolve(brokerError(e.payload.error)));
          consumer.on(consumer.events.FETCH, () => resolve('read'));
        });
        await consumer.connect();
        await consumer.subscribe({ topics: [topic(from)], fromBeginning: true });
        const ran = consumer.run({ eachMessage: async () => undefined }).then(() => outcome, (err: unknown) => brokerError(err));
        return await Promise.race([ran, new Promise<string>((r) => setTimeout(() => r('neither read nor refused in 20 s'), 20_000))]);
      } finally {
        await consumer.disconnect().catch(() => undefined);
      }
    }
    // The gateway reading the auth commands (sealed passwords) through a group of its own: the topic is refused.
    expect(await consumeAs('gateway', 'authCommands', 'gateway-spy')).toBe('TOPIC_AUTHORIZATION_FAILED');
    // Presence joins a group of its own on its own topic (the control)...
    expect(await consumeAs('presence', 'presenceCommands', 'presence-probe')).toBe('read');
    // ...but not messaging's group, where it would take partitions from messaging. kafkajs drops the broker's
    // GROUP_AUTHORIZATION_FAILED from FindCoordinator and says only that it found no coordinator.
    expect(await consumeAs('presence', 'presenceCommands', 'messaging')).toMatch(/GROUP_AUTHORIZATION_FAILED|Failed to find group coordinator/);
  }, 120_000);
});
