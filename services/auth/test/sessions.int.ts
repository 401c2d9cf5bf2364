import { setTimeout as sleep } from 'node:timers/promises';
import { connect, http, startPlatform, uniqueName, type ChatSocket, type Platform } from '@chat/testing';
import type { AuthResult, SessionInfo } from '@chat/contracts';
import { address, disconnected, errorBody, PASSWORD, post, registerUser, warmUp } from './helpers';

/**
 * Protocol v1.1, People: the password change, the sessions list, ending one
 * session or all of them, through the gateway against the real services,
 * Kafka and FerretDB.
 */
let platform: Platform;
let url: string;
const FREE_FAILURES = 3;
const sockets: ChatSocket[] = [];
const NEW_PASSWORD = 'a brand new passphrase 7';

beforeAll(async () => {
  platform = await startPlatform({ env: { LOGIN_FREE_FAILURES: String(FREE_FAILURES), LOGIN_WINDOW_SEC: '3600', REGISTER_LIMIT_PER_ADDRESS: '1000' } });
  url = platform.url;
  await warmUp(url);
}, Number(process.env['TEST_START_TIMEOUT_MS'] ?? 60_000) + 300_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  await platform?.stop();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const me = (token: string) => http(url, 'GET', '/api/v1/me', undefined, bearer(token));
const sessions = (token: string) => http<{ sessions: SessionInfo[] }>(url, 'GET', '/api/v1/auth/sessions', undefined, bearer(token));
const refresh = (refreshToken: string, headers: Record<string, string> = {}) => post<AuthResult>(url, '/api/v1/auth/refresh', { refreshToken }, headers);

function login(username: string, password = PASSWORD, headers: Record<string, string> = {}) {
  return post<AuthResult>(url, '/api/v1/auth/login', { username, password }, headers);
}

async function open(token: string): Promise<ChatSocket> {
  const s = await connect(url, token);
  sockets.push(s);
  return s;
}

/** A user signed in three times: three sessions, each with a socket. */
async function threeSessions(prefix: string) {
  const first = await registerUser(url, uniqueName(prefix));
  const second = (await login(first.user.username)).body;
  const third = (await login(first.user.username)).body;
  const [s1, s2, s3] = [await open(first.accessToken), await open(second.accessToken), await open(third.accessToken)];
  return { username: first.user.username, sessions: [first, second, third], sockets: [s1, s2, s3] as const };
}

describe('POST /api/v1/auth/password', () => {
  it("204: every other session ends at once (tokens dead, sockets disconnected); the caller's goes on; only the new password signs in", async () => {
    const u = await threeSessions('pw');
    const [caller, other1, other2] = u.sessions;
    const gone = [disconnected(u.sockets[1]), disconnected(u.sockets[2])];
    const res = await post(url, '/api/v1/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }, bearer(caller!.accessToken));
    expect(res.status).toBe(204);
    await Promise.all(gone);
    for (const s of [other1!, other2!]) {
      expect((await me(s.accessToken)).status).toBe(401);
      expect((await refresh(s.refreshToken)).status).toBe(401);
    }
    await expect(connect(url, other1!.accessToken)).rejects.toThrow('UNAUTHENTICATED');
    await sleep(500);
    expect(u.sockets[0].connected).toBe(true);
    expect((await me(caller!.accessToken)).status).toBe(200);
    expect((await refresh(caller!.refreshToken)).status).toBe(200);
    expect((await login(u.username)).status).toBe(401);
    expect((await login(u.username, NEW_PASSWORD)).status).toBe(200);
  });

  it("a wrong currentPassword is 401 with login's message, ends nothing, and counts against login's limits", async () => {
    const reg = await registerUser(url, uniqueName('pwbad'));
    const socket = await open(reg.accessToken);
    const from = address();
    const wrongLogin = await login(uniqueName('nobody'), 'not the password', { 'x-forwarded-for': from });
    const statuses: number[] = [];
    for (let i = 0; i < FREE_FAILURES; i++) {
      const res = await http(url, 'POST', '/api/v1/auth/password', { currentPassword: 'not the password', newPassword: NEW_PASSWORD }, { ...bearer(reg.accessToken), 'x-forwarded-for': from });
      statuses.push(res.status);
      expect(res.body).toEqual(wrongLogin.body);
    }
    expect(statuses).toEqual(Array(FREE_FAILURES).fill(401));
    // The failures were counted for this username and address: login from there must now wait.
    expect((await login(reg.user.username, PASSWORD, { 'x-forwarded-for': from })).status).toBe(429);
    // From elsewhere the owner signs in, with the unchanged password; the session and socket live on.
    expect((await login(reg.user.username)).status).toBe(200);
    expect(socket.connected).toBe(true);
    expect((await me(reg.accessToken)).status).toBe(200);
  });

  it.each([
    ['a too short newPassword', { currentPassword: PASSWORD, newPassword: 'short' }, 'at least 10'],
    ['a common newPassword', { currentPassword: PASSWORD, newPassword: 'password1234' }, 'common'],
    ['a missing currentPassword', { newPassword: NEW_PASSWORD }, ''],
    ['an extra field', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, extra: 1 }, ''],
  ])('400 VALIDATION_FAILED for %s, naming the rule', async (_what, body, rule) => {
    const reg = await registerUser(url, uniqueName('pwv'));
    const res = await post<{ error: { message: string } }>(url, '/api/v1/auth/password', body, bearer(reg.accessToken));
    expect(res.status).toBe(400);
    expect(res.body).toEqual(errorBody('VALIDATION_FAILED'));
    expect(res.body.error.message).toContain(rule);
    expect((await login(reg.user.username)).status).toBe(200);
  });

  it('401 without a Bearer token', async () => {
    expect((await post(url, '/api/v1/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD })).status).toBe(401);
  });
});

describe('GET /api/v1/auth/sessions', () => {
  it('lists the live sessions newest first with id, current, createdAt, lastUsedAt and userAgent; a refresh records its time and User-Agent', async () => {
    const reg = await post<AuthResult>(url, '/api/v1/auth/register', { username: uniqueName('ss'), password: PASSWORD }, { 'user-agent': 'agent-one' });
    await sleep(20);
    const second = (await login(reg.body.user.username, PASSWORD, { 'user-agent': 'agent-two' })).body;
    const list = await sessions(second.accessToken);
    expect(list.status).toBe(200);
    expect(list.body.sessions).toEqual([
      { id: expect.any(String), current: true, createdAt: expect.any(String), lastUsedAt: expect.any(String), userAgent: 'agent-two' },
      { id: expect.any(String), current: false, createdAt: expect.any(String), lastUsedAt: expect.any(String), userAgent: 'agent-one' },
    ]);
    const [newer, older] = list.body.sessions;
    expect(Date.parse(newer!.createdAt)).toBeGreaterThan(Date.parse(older!.createdAt));
    expect(older!.id).toBe(reg.body.refreshToken.split('.')[0]);

    await sleep(20);
    const rotated = await refresh(reg.body.refreshToken, { 'user-agent': 'agent-three' });
    expect(rotated.status).toBe(200);
    const after = (await sessions(second.accessToken)).body.sessions.find((s) => s.id === older!.id)!;
    expect(after.userAgent).toBe('agent-three');
    expect(Date.parse(after.lastUsedAt)).toBeGreaterThan(Date.parse(older!.lastUsedAt));
    expect(after.createdAt).toBe(older!.createdAt);
    // From the other session's side, that one is current.
    expect((await sessions(rotated.body.accessToken)).body.sessions.filter((s) => s.current).map((s) => s.id)).toEqual([older!.id]);
  });

  it('401 without a Bearer token', async () => {
    expect((await http(url, 'GET', '/api/v1/auth/sessions')).status).toBe(401);
  });
});

describe('DELETE /api/v1/auth/sessions/{id}', () => {
  it('204: ends that session of the caller (tokens dead, socket disconnected, gone from the list); the others live on', async () => {
    const u = await threeSessions('es');
    const [caller, target, kept] = u.sessions;
    const targetId = target!.refreshToken.split('.')[0]!;
    const gone = disconnected(u.sockets[1]);
    const res = await http(url, 'DELETE', `/api/v1/auth/sessions/${targetId}`, undefined, bearer(caller!.accessToken));
    expect(res.status).toBe(204);
    await gone;
    expect((await me(target!.accessToken)).status).toBe(401);
    expect((await refresh(target!.refreshToken)).status).toBe(401);
    expect((await sessions(caller!.accessToken)).body.sessions.map((s) => s.id)).not.toContain(targetId);
    expect(u.sockets[0].connected && u.sockets[2].connected).toBe(true);
    expect((await me(kept!.accessToken)).status).toBe(200);
  });

  it("404 for another user's session (which lives on) and for an unknown id", async () => {
    const [alice, bob] = [await registerUser(url, uniqueName('esa')), await registerUser(url, uniqueName('esb'))];
    const bobs = bob.refreshToken.split('.')[0]!;
    const res = await http(url, 'DELETE', `/api/v1/auth/sessions/${bobs}`, undefined, bearer(alice.accessToken));
    expect(res.status).toBe(404);
    expect(res.body).toEqual(errorBody('NOT_FOUND'));
    expect((await me(bob.accessToken)).status).toBe(200);
    expect((await http(url, 'DELETE', '/api/v1/auth/sessions/nosuchsession000', undefined, bearer(alice.accessToken))).status).toBe(404);
    expect((await http(url, 'DELETE', '/api/v1/auth/sessions/bad%20id', undefined, bearer(alice.accessToken))).status).toBe(404);
  });
});

describe('POST /api/v1/auth/logout {all: true}', () => {
  it("ends every session of the user, the caller's too: all tokens dead, all sockets disconnected; another user's live on", async () => {
    const u = await threeSessions('la');
    const bystander = await registerUser(url, uniqueName('lab'));
    const gone = u.sockets.map((s) => disconnected(s));
    const res = await post(url, '/api/v1/auth/logout', { all: true }, bearer(u.sessions[0]!.accessToken));
    expect(res.status).toBe(204);
    await Promise.all(gone);
    for (const s of u.sessions) {
      expect((await me(s.accessToken)).status).toBe(401);
      expect((await refresh(s.refreshToken)).status).toBe(401);
    }
    expect((await me(bystander.accessToken)).status).toBe(200);
    expect((await login(u.username)).status).toBe(200);
  });

  it('400 for a non-boolean all', async () => {
    const reg = await registerUser(url, uniqueName('lav'));
    expect((await post(url, '/api/v1/auth/logout', { all: 'yes' }, bearer(reg.accessToken))).status).toBe(400);
  });
});
