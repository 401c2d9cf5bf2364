import { anotherTab, connect, http, ok, startPlatform, type Platform, type TestUser } from '@chat/testing';
import { closeUsers, newUser, roles, warmUp } from './helpers';

/**
 * Two gateway processes side by side: a group change made through one reaches
 * members connected to either (the messaging service applies users'
 * conversation.changed and delivers), and each gateway reads only the
 * deliveries for the sockets it holds (DeliveryRouter).
 */
let platform: Platform;
const everyone: TestUser[] = [];

beforeAll(async () => {
  // The routers hear of each new socket 400 ms late, as a router behind on the gateways' events
  // would: what is pushed to a user who just connected reaches the socket by its catch-up.
  // Leases of 5 s and a purge 3 s after a lapse, so the last test sees a killed gateway forgotten.
  platform = await startPlatform({
    replicas: { gateway: 2 },
    env: { ROUTES_CONNECT_LAG_MS: '400', PRESENCE_LEASE_MS: '5000', PRESENCE_DEFAULT_LEASE_MS: '5000', PRESENCE_CHECK_MS: '1000', PRESENCE_PURGE_AFTER_MS: '3000' },
  });
  for (const u of platform.urls) await warmUp(u);
}, Number(process.env['TEST_START_TIMEOUT_MS'] ?? 60_000) + 300_000);

afterAll(async () => {
  closeUsers(...everyone);
  await platform?.stop();
});

async function on(gateway: number, prefix: string): Promise<TestUser> {
  const u = await newUser(platform.urls[gateway]!, prefix);
  everyone.push(u);
  return u;
}

it('runs two gateway processes', () => {
  expect(platform.urls).toHaveLength(2);
  expect(new Set(platform.urls).size).toBe(2);
});

it('a group made on gateway 0 is pushed to its members on both gateways, and so are its rename, new member and removal', async () => {
  const owner = await on(0, 'g0owner');
  const near = await on(0, 'g0member');
  const far = await on(1, 'g1member');
  const { conversation } = await ok(owner.socket, 'group:create', { name: 'Across', memberIds: [near.user.id, far.user.id] });
  const id = conversation.id;
  for (const u of [owner, near, far]) await u.pushes.waitFor('conversation:updated', (p) => p.conversation.id === id);

  await ok(owner.socket, 'group:rename', { conversationId: id, name: 'Renamed' });
  for (const u of [owner, near, far]) await u.pushes.waitFor('conversation:updated', (p) => p.conversation.id === id && p.conversation.name === 'Renamed');

  const newcomer = await on(1, 'g1new');
  await ok(owner.socket, 'group:addMembers', { conversationId: id, userIds: [newcomer.user.id] });
  const seen = await newcomer.pushes.waitFor('conversation:updated', (p) => p.conversation.id === id);
  expect(Object.keys(roles(seen.conversation))).toContain(newcomer.user.id);

  await ok(owner.socket, 'group:removeMember', { conversationId: id, userId: far.user.id });
  expect(await far.pushes.waitFor('conversation:removed', (p) => p.conversationId === id)).toEqual({ conversationId: id, reason: 'removed' });
  await near.pushes.waitFor('conversation:updated', (p) => p.conversation.id === id && !p.conversation.members.some((m) => m.userId === far.user.id));
});

it('a change made through gateway 1 reaches a member on gateway 0, and a delete reaches both', async () => {
  const owner = await on(1, 'g1owner');
  const admin = await on(0, 'g0admin');
  const member = await on(1, 'g1m');
  const { conversation } = await ok(owner.socket, 'group:create', { name: 'Other way', memberIds: [admin.user.id, member.user.id] });
  const id = conversation.id;
  await ok(owner.socket, 'group:setRole', { conversationId: id, userId: admin.user.id, role: 'admin' });
  const promoted = await admin.pushes.waitFor('conversation:updated', (p) => p.conversation.id === id && roles(p.conversation)[admin.user.id] === 'admin');
  expect(roles(promoted.conversation)[owner.user.id]).toBe('owner');
  // The admin, on the other gateway, renames; the owner on gateway 1 hears it.
  await ok(admin.socket, 'group:rename', { conversationId: id, name: 'From gw0' });
  await owner.pushes.waitFor('conversation:updated', (p) => p.conversation.id === id && p.conversation.name === 'From gw0');
  await ok(owner.socket, 'group:delete', { conversationId: id });
  for (const u of [owner, admin, member]) {
    expect(await u.pushes.waitFor('conversation:removed', (p) => p.conversationId === id)).toEqual({ conversationId: id, reason: 'deleted' });
  }
});

it('a direct conversation opened on one gateway is pushed to the peer on the other', async () => {
  const a = await on(0, 'da');
  const b = await on(1, 'db');
  const { conversation } = await ok(a.socket, 'conversation:direct', { userId: b.user.id });
  const pushed = await b.pushes.waitFor('conversation:updated', (p) => p.conversation.id === conversation.id);
  expect(pushed.conversation.type).toBe('direct');
});

it('logout through one gateway disconnects the session on the other and its token is refused there', async () => {
  const a = await on(0, 'lo');
  const other = await connect(platform.urls[1]!, a.accessToken);
  const gone = new Promise<void>((resolve) => other.once('disconnect', () => resolve()));
  const res = await http(platform.urls[0]!, 'POST', '/api/v1/auth/logout', undefined, { authorization: `Bearer ${a.accessToken}` });
  expect(res.status).toBe(204);
  await gone;
  const until = Date.now() + 5000;
  let status = 200;
  while (Date.now() < until && status !== 401) {
    status = (await http(platform.urls[1]!, 'GET', '/api/v1/me', undefined, { authorization: `Bearer ${a.accessToken}` })).status;
  }
  expect(status).toBe(401);
});

it('a gateway started after a logout still refuses that session (it reads the past revocations before serving)', async () => {
  const a = await on(0, 'late');
  const res = await http(platform.urls[0]!, 'POST', '/api/v1/auth/logout', undefined, { authorization: `Bearer ${a.accessToken}` });
  expect(res.status).toBe(204);
  const fresh = await platform.spawn('gateway', 2);
  const freshUrl = `http://127.0.0.1:${fresh.port}`;
  expect((await http(freshUrl, 'GET', '/api/v1/me', undefined, { authorization: `Bearer ${a.accessToken}` })).status).toBe(401);
  await expect(connect(freshUrl, a.accessToken)).rejects.toThrow('UNAUTHENTICATED');
  // A live session is served there as usual.
  const b = await on(0, 'live');
  expect((await http(freshUrl, 'GET', '/api/v1/me', undefined, { authorization: `Bearer ${b.accessToken}` })).status).toBe(200);
}, Number(process.env['TEST_START_TIMEOUT_MS'] ?? 60_000) + 60_000);

/** The sum of a metric's samples whose labels include `labels`, from a process's /metrics. */
async function metric(port: number, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
    if (labels && !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

const port = (name: 'gateway' | 'messaging' | 'presence', index = 0) => platform.procs.find((p) => p.name === name && p.index === index && p.child.exitCode === null)!.port;

async function untilRouted(): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if ((await metric(port('messaging'), 'chat_delivery_routing')) === 1 && (await metric(port('presence'), 'chat_delivery_routing')) === 1) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('messaging and presence did not start routing deliveries within 60 s');
}

describe('routing', () => {
  it("a gateway reads the pushes for its own sockets, and none of a conversation whose members are all on the other", async () => {
    await untilRouted();
    const a = await on(0, 'ra');
    const b = await on(0, 'rb');
    const { conversation } = await ok(a.socket, 'conversation:direct', { userId: b.user.id });
    await b.pushes.waitFor('conversation:updated', (p) => p.conversation.id === conversation.id);
    const own = [await metric(port('gateway', 0), 'chat_deliveries_received_total', 'key="own"'), await metric(port('gateway', 1), 'chat_deliveries_received_total', 'key="own"')];
    const broadcast1 = await metric(port('gateway', 1), 'chat_deliveries_received_total', 'key="broadcast"');
    for (let i = 0; i < 20; i++) await ok(a.socket, 'message:send', { conversationId: conversation.id, clientMsgId: `r${i}`, text: `routed ${i}` });
    for (let i = 0; i < 20; i++) await b.pushes.waitFor('message:new', (p) => p.message.clientMsgId === `r${i}`);
    expect((await metric(port('gateway', 0), 'chat_deliveries_received_total', 'key="own"')) - own[0]!).toBeGreaterThanOrEqual(20);
    // Gateway 1 holds neither socket: it was sent none of the 20 (another gateway's deliveries
    // sharing its partition count as "other", and it drops them).
    expect((await metric(port('gateway', 1), 'chat_deliveries_received_total', 'key="own"')) - own[1]!).toBe(0);
    expect(await metric(port('gateway', 1), 'chat_deliveries_received_total', 'key="broadcast"')).toBe(broadcast1);
    expect(await metric(port('messaging'), 'chat_deliveries_sent_total', 'how="routed"')).toBeGreaterThanOrEqual(20);
  });

  it('a socket opened on the other gateway gets what is sent right after its connect, and every socket gets each message once', async () => {
    await untilRouted();
    const a = await on(0, 'ca');
    const b = await on(0, 'cb');
    const { conversation } = await ok(a.socket, 'conversation:direct', { userId: b.user.id });
    await b.pushes.waitFor('conversation:updated', (p) => p.conversation.id === conversation.id);
    const tabs: Awaited<ReturnType<typeof anotherTab>>[] = [];
    try {
      // Each round opens b's first socket on gateway 1 and sends at once: the routers hear of the
      // socket 400 ms later (ROUTES_CONNECT_LAG_MS), so without the catch-up the message would miss it.
      for (let round = 0; round < 5; round++) {
        const tab = await anotherTab(platform.urls[1]!, b);
        tabs.push(tab);
        const clientMsgId = `c${round}`;
        await ok(a.socket, 'message:send', { conversationId: conversation.id, clientMsgId, text: `right after ${round}` });
        await tab.pushes.waitFor('message:new', (p) => p.message.clientMsgId === clientMsgId);
        await b.pushes.waitFor('message:new', (p) => p.message.clientMsgId === clientMsgId);
        tab.socket.close();
        // Let its disconnect reach the routers, so the next round's socket is a first one again.
        await new Promise((r) => setTimeout(r, 600));
      }
      await new Promise((r) => setTimeout(r, 500));
      for (const [round, tab] of tabs.entries()) {
        expect(tab.pushes.of('message:new').filter((p) => p.message.conversationId === conversation.id).map((p) => p.message.clientMsgId)).toEqual([`c${round}`]);
      }
      const onB = b.pushes.of('message:new').map((p) => p.message.clientMsgId);
      expect(onB.filter((id) => id.startsWith('c')).sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
      // Each of the five reached its tab by a catch-up (the router heard of the tab 400 ms late).
      expect(await metric(port('messaging'), 'chat_deliveries_sent_total', 'how="catch_up"')).toBeGreaterThanOrEqual(5);
    } finally {
      for (const tab of tabs) tab.socket.close();
    }
  });

  // Last: it kills gateway 1.
  it('a gateway killed for good is forgotten once presence purges it, and pushes stop going to it', async () => {
    await untilRouted();
    const a = await on(0, 'fa');
    const b = await on(1, 'fb');
    const bHere = await anotherTab(platform.urls[0]!, b);
    try {
      const { conversation } = await ok(a.socket, 'conversation:direct', { userId: b.user.id });
      await bHere.pushes.waitFor('conversation:updated', (p) => p.conversation.id === conversation.id);
      let n = 0;
      /** Routed delivery events messaging produced for `count` messages from a to b (b's tab on gateway 0 gets each). */
      const routedFor = async (count: number): Promise<number> => {
        const before = await metric(port('messaging'), 'chat_deliveries_sent_total', 'how="routed"');
        for (let i = 0; i < count; i++) {
          const clientMsgId = `f${n++}`;
          await ok(a.socket, 'message:send', { conversationId: conversation.id, clientMsgId, text: clientMsgId });
          await bHere.pushes.waitFor('message:new', (p) => p.message.clientMsgId === clientMsgId);
        }
        return (await metric(port('messaging'), 'chat_deliveries_sent_total', 'how="routed"')) - before;
      };
      const bothGateways = await routedFor(5);
      const sockets = await metric(port('messaging'), 'chat_delivery_route_sockets');
      await platform.signal('gateway', 1, 'SIGKILL');
      // No socket of the dead gateway said goodbye: the routers keep them until presence forgets it
      // (a lease of 5 s, its probe, then 3 s of silence).
      const until = Date.now() + 60_000;
      while ((await metric(port('messaging'), 'chat_delivery_route_sockets')) >= sockets) {
        if (Date.now() > until) throw new Error('messaging never dropped the sockets of the killed gateway');
        await new Promise((r) => setTimeout(r, 250));
      }
      // Each message now goes to gateway 0 alone: half the routed events, and b still gets every one.
      const oneGateway = await routedFor(5);
      expect(oneGateway).toBeGreaterThan(0);
      expect(bothGateways).toBe(2 * oneGateway);
    } finally {
      bHere.socket.close();
    }
  });
});
