import { request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { RequestSchemas, REQUEST_EVENTS, type RequestEvent } from '@chat/contracts';
import { closeAll, connect, connectedUser, http, ok, register, request, startPlatform, uniqueName, type Platform, type TestUser } from '@chat/testing';
import { claimsOf, makeJwt } from './jwt';

/** A valid payload per request, which the tests then spoil one field at a time. */
function validPayloads(ids: { user: string; conversation: string; message: string }): Record<RequestEvent, Record<string, unknown>> {
  return {
    'user:search': { query: 'a', limit: 5 },
    'contact:list': {},
    'user:get': { userIds: [ids.user] },
    'contact:add': { userId: ids.user },
    'contact:remove': { userId: ids.user },
    'conversation:list': {},
    'conversation:direct': { userId: ids.user },
    'group:create': { name: 'g', memberIds: [ids.user] },
    'group:rename': { conversationId: ids.conversation, name: 'n' },
    'group:addMembers': { conversationId: ids.conversation, userIds: [ids.user] },
    'group:removeMember': { conversationId: ids.conversation, userId: ids.user },
    'group:setRole': { conversationId: ids.conversation, userId: ids.user, role: 'admin' },
    'group:leave': { conversationId: ids.conversation },
    'group:delete': { conversationId: ids.conversation },
    'message:send': { conversationId: ids.conversation, text: 'hi', clientMsgId: 'c1', replyTo: ids.message },
    'message:edit': { messageId: ids.message, text: 'hi' },
    'message:delete': { messageId: ids.message },
    'reaction:add': { messageId: ids.message, emoji: '👍' },
    'reaction:remove': { messageId: ids.message, emoji: '👍' },
    'message:search': { query: 'hi', conversationId: ids.conversation, cursor: 'x', limit: 5 },
    'message:history': { conversationId: ids.conversation, limit: 5 },
    'conversation:read': { conversationId: ids.conversation, seq: 1 },
    'read:list': { conversationId: ids.conversation },
    'conversation:mute': { conversationId: ids.conversation, muted: true },
    typing: { conversationId: ids.conversation, typing: true },
    'user:block': { userId: ids.user },
    'user:unblock': { userId: ids.user },
    'user:blocked': {},
  };
}

/**
 * The hostile-input tests send a few hundred requests back to back, past the
 * per-user rate limit (20/s here). A RATE_LIMITED answer is the protocol's
 * right answer to that pace, so these requests wait and ask again; what each
 * finally answers is what the test checks. The flood test below checks the
 * limiter itself.
 */
async function paced<E extends RequestEvent>(socket: TestUser["socket"], event: E, payload: unknown) {
  for (let attempt = 0; ; attempt++) {
    const ack = await request(socket, event, payload);
    if (ack.ok || ack.error.code !== 'RATE_LIMITED' || attempt >= 20) return ack;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('abuse: hostile input gets the protocol answer and the server keeps serving', () => {
  let platform: Platform;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    platform = await startPlatform({ env: { CORS_ORIGINS: 'https://chat.example.test', SOCKET_RATE_PER_SEC: '20' } });
    alice = await connectedUser(platform.url);
    bob = await connectedUser(platform.url);
  }, 300_000);

  afterAll(async () => {
    closeAll(alice?.socket, bob?.socket);
    await platform?.stop();
  });

  it('every schema field of every request refuses operator objects with VALIDATION_FAILED, and the socket stays connected', async () => {
    const payloads = validPayloads({ user: bob.user.id, conversation: 'c'.repeat(24), message: `${'c'.repeat(24)}-1` });
    const operators = [{ $gt: '' }, { $where: 'sleep(1000)' }, { $ne: null }];
    let tried = 0;
    for (const event of REQUEST_EVENTS) {
      const fields = Object.keys((RequestSchemas[event] as unknown as { shape: Record<string, unknown> }).shape);
      for (const field of fields) {
        for (const op of operators) {
          const ack = await paced(alice.socket, event, { ...payloads[event], [field]: op });
          expect({ event, field, ack }).toEqual({ event, field, ack: { ok: false, error: expect.objectContaining({ code: 'VALIDATION_FAILED' }) } });
          tried++;
        }
      }
    }
    expect(tried).toBeGreaterThan(90);
    expect(alice.socket.connected).toBe(true);
    // Served still (paced: the loop above may have used up this second's rate), and nothing
    // a refused request carried was stored: no group, no contact, no conversation.
    expect(await paced(alice.socket, 'contact:list', {})).toEqual({ ok: true, data: { contacts: [] } });
    expect(await paced(alice.socket, 'conversation:list', {})).toEqual({ ok: true, data: { conversations: [] } });
    expect(await paced(bob.socket, 'conversation:list', {})).toEqual({ ok: true, data: { conversations: [] } });
  });

  it('null, arrays, strings and extra fields as payloads are VALIDATION_FAILED', async () => {
    for (const event of REQUEST_EVENTS) {
      for (const bad of [null, [], 'x', 42]) {
        const ack = await paced(alice.socket, event, bad);
        expect(ack).toEqual({ ok: false, error: expect.objectContaining({ code: 'VALIDATION_FAILED' }) });
      }
    }
    const extra = await paced(alice.socket, 'contact:list', { $where: '1' });
    expect(extra).toEqual({ ok: false, error: expect.objectContaining({ code: 'VALIDATION_FAILED' }) });
    expect(alice.socket.connected).toBe(true);
  });

  it('REST refuses operator objects, malformed JSON and oversized bodies with the protocol codes', async () => {
    const op = await http(platform.url, 'POST', '/api/v1/auth/login', { username: { $gt: '' }, password: { $gt: '' } });
    expect(op.status).toBe(400);
    expect(op.body).toEqual({ error: { code: 'VALIDATION_FAILED', message: expect.any(String) } });
    const malformed = await http(platform.url, 'POST', '/api/v1/auth/login', '{"username": "a",', { 'content-type': 'application/json' });
    expect(malformed.status).toBe(400);
    expect((malformed.body as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    const huge = await http(platform.url, 'POST', '/api/v1/auth/register', { username: 'big', password: 'x'.repeat(100_000) });
    expect(huge.status).toBe(413);
    expect((huge.body as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(JSON.stringify(huge.body)).not.toMatch(/at .*\.js/); // no stack trace
    // None of them created anything: the oversized registration left no account behind.
    const login = await http(platform.url, 'POST', '/api/v1/auth/login', { username: 'big', password: 'x'.repeat(100_000) });
    expect(login.status).toBe(413);
    // Paced: the test before spent this socket's rate budget (20/s here) on purpose.
    const search = await paced(alice.socket, 'user:search', { query: 'big' });
    expect(search.ok).toBe(true);
    const users = search.ok ? (search.data as { users: { username: string }[] }).users : [];
    expect(users.filter((u) => u.username === 'big')).toEqual([]);
  });

  it('forged, expired, alg:none, wrongly signed and foreign-issuer tokens are refused at the handshake and on REST', async () => {
    const good = claimsOf(alice.accessToken);
    const now = Math.floor(Date.now() / 1000);
    const bad = {
      none: makeJwt({ alg: 'none', typ: 'JWT' }, good, null),
      otherKey: makeJwt({ alg: 'HS256', typ: 'JWT' }, good, 'another-secret-another-secret-123456'),
      otherIssuer: makeJwt({ alg: 'HS256', typ: 'JWT' }, { ...good, iss: 'evil' }, platform.jwtSecret),
      otherAudience: makeJwt({ alg: 'HS256', typ: 'JWT' }, { ...good, aud: 'evil' }, platform.jwtSecret),
      expired: makeJwt({ alg: 'HS256', typ: 'JWT' }, { ...good, iat: now - 3600, exp: now - 60 }, platform.jwtSecret),
      hs512: makeJwt({ alg: 'HS512', typ: 'JWT' }, good, platform.jwtSecret),
      garbage: 'not-a-jwt',
    };
    for (const [kind, token] of Object.entries(bad)) {
      await expect(connect(platform.url, token)).rejects.toThrow('UNAUTHENTICATED');
      const me = await http(platform.url, 'GET', '/api/v1/me', undefined, { authorization: `Bearer ${token}` });
      expect({ kind, status: me.status }).toEqual({ kind, status: 401 });
      expect((me.body as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    }
    // The genuine token, re-signed correctly, still works: the refusals above are about the token, not the test.
    const resigned = makeJwt({ alg: 'HS256', typ: 'JWT' }, good, platform.jwtSecret);
    const s = await connect(platform.url, resigned);
    expect(s.connected).toBe(true);
    s.close();
  });

  it('a socket from a disallowed Origin is refused; an allowed one and a non-browser client are accepted', async () => {
    await expect(connect(platform.url, alice.accessToken, { extraHeaders: { origin: 'https://evil.example.test' } })).rejects.toThrow();
    // Exactly how: the WebSocket upgrade itself is refused with engine.io's answer to a refused upgrade
    // (400, "Forbidden"), before any session exists; an allowed Origin is switched to WebSocket (101).
    const upgrade = (origin: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(`${platform.url}/socket.io/?EIO=4&transport=websocket`, {
          headers: { origin, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64') },
        });
        req.on('upgrade', (res, socket) => {
          socket.destroy();
          resolve({ status: res.statusCode ?? 0, body: '' });
        });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const refused = await upgrade('https://evil.example.test');
    expect(refused).toEqual({ status: 400, body: 'Forbidden' });
    expect((await upgrade('https://chat.example.test')).status).toBe(101);
    const allowed = await connect(platform.url, alice.accessToken, { extraHeaders: { origin: 'https://chat.example.test' } });
    expect(allowed.connected).toBe(true);
    allowed.close();
  });

  it('a frame over the limit closes only that socket; others keep being served', async () => {
    const victim = await connect(platform.url, bob.accessToken);
    const closed = new Promise<string>((r) => victim.once('disconnect', (reason) => r(reason)));
    // An over-long frame on purpose: the typed emit would refuse this payload.
    (victim.emit as (event: string, payload: unknown) => void)('message:send', { conversationId: 'x', text: 'y'.repeat(200_000), clientMsgId: 'big' });
    expect(await closed).toBeTruthy();
    expect(alice.socket.connected).toBe(true);
    expect(await paced(alice.socket, 'contact:list', {})).toMatchObject({ ok: true });
  });

  it('half-open and slow connections do not stop the server from serving others', async () => {
    const idle = Array.from({ length: 20 }, () => netConnect(Number(new URL(platform.url).port), '127.0.0.1'));
    const slow = netConnect(Number(new URL(platform.url).port), '127.0.0.1', () => slow.write('GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n'));
    await ok(alice.socket, 'user:search', { query: 'x' });
    const health = await http(platform.url, 'GET', '/api/v1/health');
    expect(health.status).toBe(200);
    for (const s of [...idle, slow]) s.destroy();
  });

  it('a flood of socket requests from one user is answered RATE_LIMITED while other users are served', async () => {
    const acks = await Promise.all(Array.from({ length: 120 }, () => request(bob.socket, 'contact:list', {})));
    const limited = acks.filter((a) => !a.ok && a.error.code === 'RATE_LIMITED').length;
    expect(limited).toBeGreaterThan(0);
    expect(acks.filter((a) => a.ok).length).toBeGreaterThan(0);
    await ok(alice.socket, 'contact:list', {});
    expect(bob.socket.connected).toBe(true);
  });

  it('security headers are set and no framework banner leaks', async () => {
    const res = await fetch(`${platform.url}/api/v1/health`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe('security review findings', () => {
  let platform: Platform;
  let alice: TestUser;

  beforeAll(async () => {
    // Rate limits on, as in production: some findings are about them.
    platform = await startPlatform({ env: { SOCKETS_PER_USER: '5', SOCKETS_PER_ADDRESS: '12', TRUSTED_PROXIES: '' } });
    alice = await connectedUser(platform.url);
  }, 300_000);

  afterAll(async () => {
    closeAll(alice?.socket);
    await platform?.stop();
  });

  it('finding 7: short and common passwords are refused, saying which rule failed, and no account is made', async () => {
    const cases = [
      { password: 'aaaaaaaa', says: 'at least 10 characters' },
      { password: 'password123', says: 'common' },
      { password: 'QWERTYUIOP', says: 'common' },
    ];
    for (const { password, says } of cases) {
      const username = uniqueName('pw');
      const res = await http<{ error: { code: string; message: string } }>(platform.url, 'POST', '/api/v1/auth/register', { username, password });
      expect({ password, status: res.status, code: res.body.error?.code }).toEqual({ password, status: 400, code: 'VALIDATION_FAILED' });
      expect(res.body.error.message).toContain(says);
      const login = await http(platform.url, 'POST', '/api/v1/auth/login', { username, password });
      expect(login.status).toBe(401);
    }
  });

  it('finding 7: names with zero-width or bidirectional-override characters are refused, for people and groups', async () => {
    for (const displayName of ['ad\u200Bmin', 'admin\u202E', '\u2066admin\u2069']) {
      const res = await http<{ error: { code: string } }>(platform.url, 'POST', '/api/v1/auth/register', { username: uniqueName('nm'), password: 'correct horse battery', displayName });
      expect({ displayName, status: res.status, code: res.body.error?.code }).toEqual({ displayName, status: 400, code: 'VALIDATION_FAILED' });
    }
    const group = await request(alice.socket, 'group:create', { name: 'ad\u200Bmins', memberIds: [] });
    expect(group).toEqual({ ok: false, error: expect.objectContaining({ code: 'VALIDATION_FAILED' }) });
    expect(await ok(alice.socket, 'conversation:list', {})).toEqual({ conversations: [] });
    const blank = await request(alice.socket, 'message:send', { conversationId: 'c'.repeat(24), text: '\u200B\u200D ', clientMsgId: 'z1' });
    expect(blank).toEqual({ ok: false, error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('blank') } });
  });

  it('finding 5: a history page of 100 messages of 4,000 emoji fits the broker, says hasMore, and pages to the end', async () => {
    const { conversation } = await ok(alice.socket, 'group:create', { name: 'long', memberIds: [] });
    const text = '😀'.repeat(4000);
    for (let i = 0; i < 100; i++) {
      const ack = await paced(alice.socket, 'message:send', { conversationId: conversation.id, text, clientMsgId: `long-${i}` });
      expect(ack.ok).toBe(true);
    }
    const seen: number[] = [];
    let beforeSeq: number | undefined;
    for (let pages = 0; pages < 10; pages++) {
      // Paced like the sends: 100 quick sends may have spent the socket's request budget (20/s).
      const ack = await paced(alice.socket, 'message:history', { conversationId: conversation.id, limit: 100, ...(beforeSeq ? { beforeSeq } : {}) });
      if (!ack.ok) throw new Error(`message:history failed: ${ack.error.code} ${ack.error.message}`);
      const page = ack.data;
      if (pages === 0) {
        expect(page.messages.length).toBeGreaterThan(0);
        expect(page.messages.length).toBeLessThan(100);
        expect(page.hasMore).toBe(true);
      }
      seen.unshift(...page.messages.map((m) => m.seq));
      if (!page.hasMore) break;
      beforeSeq = page.messages[0]!.seq;
    }
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('finding 6: sockets per user are bounded (RATE_LIMITED at the handshake), and a closed one frees its place', async () => {
    const more = [];
    for (let i = 0; i < 4; i++) more.push(await connect(platform.url, alice.accessToken));
    await expect(connect(platform.url, alice.accessToken)).rejects.toThrow('RATE_LIMITED');
    more.pop()!.close();
    await new Promise((r) => setTimeout(r, 300));
    more.push(await connect(platform.url, alice.accessToken));
    expect(alice.socket.connected).toBe(true);
    closeAll(...more);
    await new Promise((r) => setTimeout(r, 300));
  });

  it('finding 6: sockets per address are bounded whoever the users are', async () => {
    const users = await Promise.all([0, 1, 2].map(() => register(platform.url)));
    const sockets = [];
    try {
      // alice's one socket, then 4 + 4 + 3 of three others: 12 from 127.0.0.1.
      for (const [i, n] of [4, 4, 3].entries()) for (let k = 0; k < n; k++) sockets.push(await connect(platform.url, users[i]!.accessToken));
      await expect(connect(platform.url, users[2]!.accessToken)).rejects.toThrow('RATE_LIMITED');
    } finally {
      closeAll(...sockets);
    }
  });

  // Last in this block: it uses up the loopback address's login budget for the minute.
  it('finding 3: X-Forwarded-For from an untrusted peer is ignored, so the per-address login limit holds', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      const forged = `203.0.113.${i + 1}`;
      const res = await http(platform.url, 'POST', '/api/v1/auth/login', { username: uniqueName('xff'), password: 'correct horse battery' }, { 'x-forwarded-for': forged });
      statuses.push(res.status);
    }
    // LOGIN_LIMIT_PER_ADDRESS is 30 a minute: every attempt counted against 127.0.0.1, whatever it
    // claimed (believed, each forged address would have had a budget of its own and none would be refused).
    const firstLimited = statuses.indexOf(429);
    expect(firstLimited).toBeGreaterThan(0);
    expect(statuses.slice(0, firstLimited).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(firstLimited).every((s) => s === 429)).toBe(true);
  });
});

describe('finding 2: revocations survive a gateway restart under the same instance id', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform();
  }, 300_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('the token of a logged-out session stays refused by a gateway killed and restarted with the same instance id', async () => {
    const user = await register(platform.url);
    const me = () => http(platform.url, 'GET', '/api/v1/me', undefined, { authorization: `Bearer ${user.accessToken}` });
    expect((await me()).status).toBe(200);
    const out = await http(platform.url, 'POST', '/api/v1/auth/logout', {}, { authorization: `Bearer ${user.accessToken}` });
    expect(out.status).toBe(204);
    expect((await me()).status).toBe(401);
    // Same port, same INSTANCE_ID (so the same consumer group, with its saved offsets).
    const before = platform.proc('gateway', 0).instanceId;
    await platform.signal('gateway', 0, 'SIGKILL');
    await platform.restart('gateway', 0);
    expect(platform.proc('gateway', 0).instanceId).toBe(before);
    const after = await me();
    expect(after.status).toBe(401);
    await expect(connect(platform.url, user.accessToken)).rejects.toThrow('UNAUTHENTICATED');
  }, 300_000);
});

