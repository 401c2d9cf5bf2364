import { connect, http, ok, startPlatform, type Platform, type TestUser } from '@chat/testing';
import { closeUsers, newUser, roles, warmUp } from './helpers';

/**
 * Two gateway processes side by side: a group change made through one reaches
 * members connected to either (the messaging service applies users'
 * conversation.changed and delivers; every gateway sees every delivery).
 */
let platform: Platform;
const everyone: TestUser[] = [];

beforeAll(async () => {
  platform = await startPlatform({ replicas: { gateway: 2 } });
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
