import { setTimeout as sleep } from 'node:timers/promises';
import { connect, http, ok, request, startPlatform, uniqueName, type Platform, type TestUser } from '@chat/testing';
import type { AckData, ExportResult, RequestEvent, User } from '@chat/contracts';
import { closeUsers, newUser, warmUp } from './helpers';

/**
 * Protocol v1.1, People: the profile and user:updated, blocking (one test per
 * effect), presence consent, account deletion (one test per effect) and the
 * export, through the gateway only, against the real services, Kafka and
 * FerretDB.
 */
let platform: Platform;
let url: string;
const everyone: TestUser[] = [];
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  platform = await startPlatform({ env: { REQUEST_TIMEOUT_MS: '30000', RATE_LIMITS: 'off' } });
  url = platform.url;
  await warmUp(url);
}, Number(process.env['TEST_START_TIMEOUT_MS'] ?? 60_000) + 300_000);

afterAll(async () => {
  closeUsers(...everyone);
  await platform?.stop();
});

async function user(prefix = 'p', displayName?: string): Promise<TestUser> {
  const u = await newUser(url, prefix, displayName);
  everyone.push(u);
  return u;
}

const ACK_MS = 45_000;
const call = <E extends RequestEvent>(u: TestUser, event: E, payload: unknown): Promise<AckData<E>> => ok(u.socket, event, payload, ACK_MS);

async function code(u: TestUser, event: RequestEvent, payload: unknown): Promise<string> {
  const ack = await request(u.socket, event, payload, ACK_MS);
  return ack.ok ? 'ok' : ack.error.code;
}

/** What a projection learns from an event arrives beside the ack: ask again until the answer is the one expected. */
async function eventually(what: () => Promise<string>, expected: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    last = await what();
    if (last === expected) return;
    await sleep(200);
  }
  throw new Error(`expected ${expected}, still ${last} after ${timeoutMs} ms`);
}

const bearer = (u: { accessToken: string }) => ({ authorization: `Bearer ${u.accessToken}` });

async function group(owner: TestUser, members: TestUser[], name = 'team'): Promise<string> {
  return (await call(owner, 'group:create', { name, memberIds: members.map((m) => m.user.id) })).conversation.id;
}

async function send(u: TestUser, conversationId: string, text: string) {
  return (await call(u, 'message:send', { conversationId, text, clientMsgId: uniqueName('m') })).message;
}

/** Presence knows a conversation once typing in it reaches the peer (typing is relayed through the same projection). */
async function presenceKnows(typist: TestUser, conversationId: string, peer: TestUser): Promise<void> {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    const before = peer.pushes.of('typing').length;
    await call(typist, 'typing', { conversationId, typing: true });
    await sleep(300);
    if (peer.pushes.of('typing').slice(before).some((t) => t.userId === typist.user.id && t.typing)) {
      await call(typist, 'typing', { conversationId, typing: false });
      return;
    }
  }
  throw new Error('presence never learned the conversation');
}

/** A blocks B: the block reaches every service that enforces it (users at once; messaging and presence by event). */
async function blocks(a: TestUser, b: TestUser): Promise<void> {
  expect(await call(a, 'user:block', { userId: b.user.id })).toEqual({});
}

describe('profile: PATCH /api/v1/me and user:updated', () => {
  it("200 {user}; user:updated reaches the user's own sockets, co-members and mutual contacts, not strangers or one-way contacts", async () => {
    const [alice, peer, friend, oneWay, stranger] = [await user('pa'), await user('pb'), await user('pc'), await user('pd'), await user('pe')];
    const g = await group(alice, [peer]);
    await call(alice, 'contact:add', { userId: friend.user.id });
    await call(friend, 'contact:add', { userId: alice.user.id });
    await call(oneWay, 'contact:add', { userId: alice.user.id });
    await presenceKnows(alice, g, peer);
    await sleep(1000); // contact.changed travels to presence beside the ack

    const res = await http<{ user: User }>(url, 'PATCH', '/api/v1/me', { displayName: '  Alice Renamed ' }, bearer(alice));
    expect(res.status).toBe(200);
    const renamed = { ...alice.user, displayName: 'Alice Renamed' };
    expect(res.body).toEqual({ user: renamed });
    for (const u of [alice, peer, friend]) {
      expect(await u.pushes.waitFor('user:updated', (p) => p.user.id === alice.user.id)).toEqual({ user: renamed });
    }
    await oneWay.pushes.expectNone('user:updated', () => true, 1000);
    expect(stranger.pushes.of('user:updated')).toEqual([]);
    expect((await http<{ user: User }>(url, 'GET', '/api/v1/me', undefined, bearer(alice))).body.user).toEqual(renamed);
    expect((await call(stranger, 'user:get', { userIds: [alice.user.id] })).users[0]).toMatchObject(renamed);
    // Auth learns it too: a later sign-in answers the new name.
    await eventually(async () => {
      const login = await http<{ user: User }>(url, 'POST', '/api/v1/auth/login', { username: alice.user.username, password: PASSWORD });
      return login.body.user.displayName;
    }, 'Alice Renamed');
  });

  it.each([
    ['a blank name', { displayName: '   ' }],
    ['a zero-width space', { displayName: 'Al\u200Bice' }],
    ['a bidirectional override', { displayName: '\u202Eecila' }],
    ['65 characters', { displayName: 'x'.repeat(65) }],
    ['an extra field', { displayName: 'Alice', username: 'root' }],
    ['no name', {}],
  ])('400 VALIDATION_FAILED for %s; nothing changes', async (_what, body) => {
    const u = await user('pv', 'Kept Name');
    const res = await http(url, 'PATCH', '/api/v1/me', body, bearer(u));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'VALIDATION_FAILED', message: expect.any(String) } });
    expect((await http<{ user: User }>(url, 'GET', '/api/v1/me', undefined, bearer(u))).body.user.displayName).toBe('Kept Name');
  });
});

describe('blocking: user:block, user:unblock, user:blocked', () => {
  it('block and unblock are idempotent, user:blocked lists the blocked users; yourself is VALIDATION_FAILED, an unknown user NOT_FOUND', async () => {
    const [a, b] = [await user('ba'), await user('bb')];
    await blocks(a, b);
    await blocks(a, b);
    expect(await call(a, 'user:blocked', {})).toEqual({ users: [b.user] });
    expect(await call(b, 'user:blocked', {})).toEqual({ users: [] });
    expect(await code(a, 'user:block', { userId: a.user.id })).toBe('VALIDATION_FAILED');
    expect(await code(a, 'user:unblock', { userId: a.user.id })).toBe('VALIDATION_FAILED');
    expect(await code(a, 'user:block', { userId: 'nosuchuser0000' })).toBe('NOT_FOUND');
    expect(await code(a, 'user:block', { userId: b.user.id, extra: 1 })).toBe('VALIDATION_FAILED');
    expect(await call(a, 'user:unblock', { userId: b.user.id })).toEqual({});
    expect(await call(a, 'user:unblock', { userId: b.user.id })).toEqual({});
    expect(await call(a, 'user:blocked', {})).toEqual({ users: [] });
  });

  it('the blocked user cannot start a direct conversation with the blocker (FORBIDDEN); the blocker still can; unblocking lifts it', async () => {
    const [a, b] = [await user('bd'), await user('be')];
    await blocks(a, b);
    expect(await code(b, 'conversation:direct', { userId: a.user.id })).toBe('FORBIDDEN');
    expect((await call(a, 'conversation:direct', { userId: b.user.id })).conversation.type).toBe('direct');
    // Even once the conversation exists.
    expect(await code(b, 'conversation:direct', { userId: a.user.id })).toBe('FORBIDDEN');
    await call(a, 'user:unblock', { userId: b.user.id });
    expect(await code(b, 'conversation:direct', { userId: a.user.id })).toBe('ok');
  });

  it('the blocked user cannot send into their direct conversation (FORBIDDEN); the blocker may still read its history', async () => {
    const [a, b] = [await user('bf'), await user('bg')];
    const dm = (await call(b, 'conversation:direct', { userId: a.user.id })).conversation.id;
    const before = await send(b, dm, 'before the block');
    await blocks(a, b);
    // The block reaches messaging a moment after its ack: a send in between is still accepted,
    // and counted. Once refused, nothing more is stored or pushed.
    const accepted: string[] = [];
    await eventually(async () => {
      const ack = await request(b.socket, 'message:send', { conversationId: dm, text: 'after', clientMsgId: uniqueName('m') }, ACK_MS);
      if (!ack.ok) return ack.error.code;
      accepted.push(ack.data.message.id);
      return 'ok';
    }, 'FORBIDDEN');
    expect(await code(b, 'message:send', { conversationId: dm, text: 'still blocked', clientMsgId: uniqueName('m') })).toBe('FORBIDDEN');
    const { messages } = await call(a, 'message:history', { conversationId: dm });
    expect(messages.map((m) => m.id)).toEqual([before.id, ...accepted]);
    // The fence: a's own next message is pushed after anything b's refused sends could have pushed.
    const fence = await send(a, dm, 'fence');
    await a.pushes.waitFor('message:new', (p) => p.message.id === fence.id);
    expect(a.pushes.of('message:new').filter((p) => p.message.conversationId === dm).map((p) => p.message.id)).toEqual([before.id, ...accepted, fence.id]);
  });

  it('the blocked user cannot add the blocker to a group, nor make a group with them (FORBIDDEN)', async () => {
    const [a, b, c] = [await user('bh'), await user('bi'), await user('bj')];
    await blocks(a, b);
    const g = await group(b, [c]);
    expect(await code(b, 'group:addMembers', { conversationId: g, userIds: [a.user.id] })).toBe('FORBIDDEN');
    expect(await code(b, 'group:create', { name: 'with a', memberIds: [a.user.id, c.user.id] })).toBe('FORBIDDEN');
    // Another member may add the blocker.
    expect(await code(c, 'group:create', { name: 'c and a', memberIds: [a.user.id] })).toBe('ok');
  });

  it('the blocked user gets no presence:update of the blocker; other members do', async () => {
    const [a, b, c] = [await user('bk'), await user('bl'), await user('bm')];
    const g = await group(c, [a, b]);
    await presenceKnows(a, g, c);
    await blocks(a, b);
    await sleep(1000); // block.changed travels to presence beside the ack
    a.socket.close();
    await c.pushes.waitFor('presence:update', (p) => p.userId === a.user.id && !p.online, 20_000);
    expect(b.pushes.of('presence:update').filter((p) => p.userId === a.user.id && !p.online)).toEqual([]);
  });

  it('the blocked user gets no typing of the blocker; other members do', async () => {
    const [a, b, c] = [await user('bn'), await user('bo'), await user('bp')];
    const g = await group(c, [a, b]);
    await presenceKnows(a, g, c);
    await blocks(a, b);
    await sleep(1000);
    const heardByB = b.pushes.of('typing').length;
    const seenByC = c.pushes.of('typing').length;
    await call(a, 'typing', { conversationId: g, typing: true });
    await c.pushes.waitFor('typing', (t) => t.userId === a.user.id && t.typing && c.pushes.of('typing').indexOf(t) >= seenByC);
    await sleep(1000);
    expect(b.pushes.of('typing').slice(heardByB)).toEqual([]);
  });

  it('the blocked user reads the blocker as offline and never seen in contact:list and user:get; others see them online', async () => {
    const [a, b] = [await user('bq'), await user('br')];
    await call(a, 'contact:add', { userId: b.user.id });
    await call(b, 'contact:add', { userId: a.user.id });
    await eventually(async () => String((await call(b, 'contact:list', {})).contacts[0]?.online), 'true');
    await blocks(a, b);
    await eventually(async () => JSON.stringify((await call(b, 'contact:list', {})).contacts.map((c) => [c.online, c.lastSeenAt])), '[[false,null]]');
    expect((await call(b, 'user:get', { userIds: [a.user.id] })).users).toEqual([{ ...a.user, online: false, lastSeenAt: null }]);
    // The blocker still sees the blocked user (blocking is one way).
    expect((await call(a, 'contact:list', {})).contacts).toEqual([expect.objectContaining({ id: b.user.id, online: true })]);
  });

  it('user:search by the blocked user does not list the blocker; anyone else finds them', async () => {
    const tag = `s${Date.now().toString(36)}`;
    const [a, b, c] = [await user(`${tag}a`), await user('bs'), await user('bt')];
    expect((await call(b, 'user:search', { query: tag })).users.map((u) => u.id)).toEqual([a.user.id]);
    await blocks(a, b);
    expect((await call(b, 'user:search', { query: tag })).users).toEqual([]);
    expect((await call(c, 'user:search', { query: tag })).users.map((u) => u.id)).toEqual([a.user.id]);
  });

  it('group conversations they share go on: the blocked user still sends there and the blocker receives it', async () => {
    const [a, b] = [await user('bu'), await user('bv')];
    const g = await group(a, [b]);
    await blocks(a, b);
    await sleep(1000);
    const m = await send(b, g, 'still in the group');
    expect((await a.pushes.waitFor('message:new', (p) => p.message.id === m.id)).message.senderId).toBe(b.user.id);
  });
});

describe('presence consent (tightens v1)', () => {
  it('a one-way contact reads offline and never seen; once both have each other, online', async () => {
    const [x, y] = [await user('ca'), await user('cb')];
    await call(x, 'contact:add', { userId: y.user.id });
    await sleep(1000);
    expect((await call(x, 'contact:list', {})).contacts).toEqual([{ ...y.user, online: false, lastSeenAt: null }]);
    expect((await call(x, 'user:get', { userIds: [y.user.id] })).users).toEqual([{ ...y.user, online: false, lastSeenAt: null }]);
    await call(y, 'contact:add', { userId: x.user.id });
    await eventually(async () => String((await call(x, 'contact:list', {})).contacts[0]?.online), 'true');
    expect((await call(x, 'user:get', { userIds: [y.user.id] })).users[0]).toMatchObject({ online: true, lastSeenAt: expect.any(String) });
  });

  it('a one-way contact gets no presence:update; a co-member does', async () => {
    const [y, watcher, member] = [await user('cc'), await user('cd'), await user('ce')];
    await call(watcher, 'contact:add', { userId: y.user.id });
    const g = await group(member, [y]);
    await presenceKnows(y, g, member);
    await sleep(1000);
    y.socket.close();
    await member.pushes.waitFor('presence:update', (p) => p.userId === y.user.id && !p.online, 20_000);
    expect(watcher.pushes.of('presence:update').filter((p) => p.userId === y.user.id)).toEqual([]);
  });
});

describe('deletion: DELETE /api/v1/me', () => {
  const del = (u: TestUser, password = PASSWORD, from = '45.9.9.9') =>
    http(url, 'DELETE', '/api/v1/me', { password }, { ...bearer(u), 'x-forwarded-for': from });

  it('a wrong password is 401 with login’s message and deletes nothing', async () => {
    const u = await user('da');
    const unknown = await http(url, 'POST', '/api/v1/auth/login', { username: uniqueName('nobody'), password: 'wrong password!' });
    const res = await del(u, 'wrong password!');
    expect(res.status).toBe(401);
    expect(res.body).toEqual(unknown.body);
    expect((await http(url, 'GET', '/api/v1/me', undefined, bearer(u))).status).toBe(200);
    expect(u.socket.connected).toBe(true);
  });

  it('every session ends: tokens dead, sockets disconnected', async () => {
    const u = await user('db');
    const second = await http<{ accessToken: string; refreshToken: string }>(url, 'POST', '/api/v1/auth/login', { username: u.user.username, password: PASSWORD });
    const other = await connect(url, second.body.accessToken);
    const gone = [u.socket, other].map((s) => new Promise<void>((r) => s.once('disconnect', () => r())));
    expect((await del(u)).status).toBe(204);
    await Promise.all(gone);
    expect((await http(url, 'GET', '/api/v1/me', undefined, bearer(second.body))).status).toBe(401);
    expect((await http(url, 'POST', '/api/v1/auth/refresh', { refreshToken: second.body.refreshToken })).status).toBe(401);
  });

  it('login answers like an unknown user, and the username is never given to anyone else', async () => {
    const u = await user('dc');
    expect((await del(u)).status).toBe(204);
    const login = await http(url, 'POST', '/api/v1/auth/login', { username: u.user.username, password: PASSWORD });
    const unknown = await http(url, 'POST', '/api/v1/auth/login', { username: uniqueName('nobody'), password: PASSWORD });
    expect(login.status).toBe(401);
    expect(login.body).toEqual(unknown.body);
    const again = await http(url, 'POST', '/api/v1/auth/register', { username: u.user.username, password: PASSWORD });
    expect(again.status).toBe(409);
  });

  it("leaves every group by group:leave's rules: ownership passes on, a group they were alone in is deleted", async () => {
    const [d, admin, member] = [await user('dd'), await user('de'), await user('df')];
    const g = await group(d, [admin, member]);
    await call(d, 'group:setRole', { conversationId: g, userId: admin.user.id, role: 'admin' });
    const alone = await group(d, []);
    expect((await del(d)).status).toBe(204);
    const after = await member.pushes.waitFor('conversation:updated', (p) => p.conversation.id === g && !p.conversation.members.some((m) => m.userId === d.user.id), 20_000);
    expect(after.conversation.members.find((m) => m.userId === admin.user.id)?.role).toBe('owner');
    expect((await call(member, 'conversation:list', {})).conversations.find((c) => c.id === g)?.members.map((m) => m.userId).sort()).toEqual(
      [admin.user.id, member.user.id].sort(),
    );
    // The group d was alone in is gone: nobody can reach it.
    expect(await code(admin, 'message:history', { conversationId: alone })).toBe('NOT_FOUND');
  });

  it('contacts and blocks in both directions go', async () => {
    const [d, e, f] = [await user('dg'), await user('dh'), await user('di')];
    await call(d, 'contact:add', { userId: e.user.id });
    await call(e, 'contact:add', { userId: d.user.id });
    await call(f, 'user:block', { userId: d.user.id });
    await call(d, 'user:block', { userId: f.user.id });
    expect((await del(d)).status).toBe(204);
    expect((await call(e, 'contact:list', {})).contacts).toEqual([]);
    expect((await call(f, 'user:blocked', {})).users).toEqual([]);
    expect((await http<ExportResult>(url, 'GET', '/api/v1/me/export', undefined, bearer(e))).body.contacts).toEqual([]);
  });

  it('messages stay in history with their senderId, the user reads as "Deleted user"; search, conversation:direct and contact:add no longer find them', async () => {
    const tag = `x${Date.now().toString(36)}`;
    const [d, e] = [await user(`${tag}d`), await user('dj')];
    const dm = (await call(e, 'conversation:direct', { userId: d.user.id })).conversation.id;
    const m = await send(d, dm, 'my last words');
    expect((await del(d)).status).toBe(204);
    const { messages } = await call(e, 'message:history', { conversationId: dm });
    expect(messages.map((x) => [x.id, x.senderId, x.text])).toEqual([[m.id, d.user.id, 'my last words']]);
    // (Offline follows within the presence grace once the disconnected sockets are counted.)
    expect((await call(e, 'user:get', { userIds: [d.user.id] })).users).toEqual([expect.objectContaining({ ...d.user, displayName: 'Deleted user' })]);
    expect((await call(e, 'user:search', { query: tag })).users).toEqual([]);
    expect(await code(e, 'conversation:direct', { userId: d.user.id })).toBe('NOT_FOUND');
    expect(await code(e, 'contact:add', { userId: d.user.id })).toBe('NOT_FOUND');
  });
});

describe('export: GET /api/v1/me/export', () => {
  it('answers the user, contacts, blocked users, conversations and every message they sent, as an attachment', async () => {
    const [a, b, c] = [await user('ea'), await user('eb'), await user('ec')];
    await call(a, 'contact:add', { userId: b.user.id });
    await call(a, 'user:block', { userId: c.user.id });
    const dm = (await call(a, 'conversation:direct', { userId: b.user.id })).conversation.id;
    const g = await group(b, [a]);
    const m1 = await send(a, dm, 'one');
    const m2 = await send(a, g, 'two');
    await send(b, g, 'not mine');
    const res = await http<ExportResult>(url, 'GET', '/api/v1/me/export', undefined, bearer(a));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(res.body.user).toEqual(a.user);
    expect(res.body.contacts).toEqual([b.user]);
    expect(res.body.blocked).toEqual([c.user]);
    expect(res.body.conversations.map((x) => x.id).sort()).toEqual([dm, g].sort());
    expect(res.body.messages.map((x) => [x.id, x.conversationId, x.text]).sort()).toEqual(
      [
        [m1.id, dm, 'one'],
        [m2.id, g, 'two'],
      ].sort(),
    );
    expect((await http(url, 'GET', '/api/v1/me/export')).status).toBe(401);
  });
});
