import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, http, request, uniqueName, type ChatSocket, type Platform, startPlatform } from '@chat/testing';
import type { AuthResult } from '@chat/contracts';
import { address, claimsOf, disconnected, errorBody, makeJwt, PASSWORD, post, registerUser, warmUp } from './helpers';

/**
 * The auth REST calls through the gateway, against the real auth and users
 * services, Kafka and FerretDB. Rate limits are set low for this platform
 * (and windows long, so a test never straddles two); every other test comes
 * from its own address.
 */
let platform: Platform;
let url: string;
const LIMITS = { LOGIN_FREE_FAILURES: 3, LOGIN_LIMIT_PER_ADDRESS: 8, REGISTER_LIMIT_PER_ADDRESS: 3 };
const sockets: ChatSocket[] = [];

beforeAll(async () => {
  platform = await startPlatform({
    env: {
      LOGIN_FREE_FAILURES: String(LIMITS.LOGIN_FREE_FAILURES),
      LOGIN_LIMIT_PER_ADDRESS: String(LIMITS.LOGIN_LIMIT_PER_ADDRESS),
      REGISTER_LIMIT_PER_ADDRESS: String(LIMITS.REGISTER_LIMIT_PER_ADDRESS),
      LOGIN_WINDOW_SEC: '3600',
      REGISTER_WINDOW_SEC: '3600',
    },
  });
  url = platform.url;
  await warmUp(url);
}, Number(process.env['TEST_START_TIMEOUT_MS'] ?? 60_000) + 300_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  await platform?.stop();
});

const me = (token: string) => http<{ user: AuthResult['user'] }>(url, 'GET', '/api/v1/me', undefined, { authorization: `Bearer ${token}` });

async function open(token: string): Promise<ChatSocket> {
  const s = await connect(url, token);
  sockets.push(s);
  return s;
}

function cookies(res: { headers: Headers }): string[] {
  return res.headers.getSetCookie();
}

function refreshCookie(res: { headers: Headers }): string | undefined {
  return cookies(res).find((c) => c.startsWith('refreshToken='));
}

describe('register', () => {
  it('answers 201 with the user, an access token (HS256, iss, aud, sub, sid, 15 min) and a refresh token; sets the HttpOnly SameSite=Strict cookie', async () => {
    const name = uniqueName('Alice');
    const res = await post<AuthResult>(url, '/api/v1/auth/register', { username: name, password: PASSWORD });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      user: { id: expect.any(String), username: name.toLowerCase(), displayName: name.toLowerCase(), avatarUrl: null },
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 900,
    });
    expect(JSON.parse(Buffer.from(res.body.accessToken.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'HS256' });
    const claims = claimsOf(res.body.accessToken);
    expect(claims).toMatchObject({ sub: res.body.user.id, sid: expect.any(String), iss: 'chat-auth', aud: 'chat' });
    expect((claims['exp'] as number) - (claims['iat'] as number)).toBeLessThanOrEqual(900);
    expect(res.body.refreshToken.startsWith(`${claims['sid'] as string}.`)).toBe(true);
    const cookie = refreshCookie(res)!;
    expect(cookie).toContain(`refreshToken=${encodeURIComponent(res.body.refreshToken)}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/api\/v1\/auth/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    // The users service has the user before the client gets its tokens.
    expect((await me(res.body.accessToken)).body).toEqual({ user: res.body.user });
  });

  it('keeps a trimmed display name', async () => {
    const r = await registerUser(url, uniqueName('dn'), PASSWORD, '  Zoë Ünïcode 🎉  ');
    expect(r.user.displayName).toBe('Zoë Ünïcode 🎉');
  });

  it('409 CONFLICT for a taken username, in any case', async () => {
    const name = uniqueName('Taken');
    await registerUser(url, name);
    for (const again of [name, name.toUpperCase(), name.toLowerCase()]) {
      const res = await post(url, '/api/v1/auth/register', { username: again, password: PASSWORD });
      expect(res.status).toBe(409);
      expect(res.body).toEqual(errorBody('CONFLICT'));
    }
  });

  it('two registrations of one username at the same moment: exactly one wins', async () => {
    const name = uniqueName('race');
    const answers = await Promise.all([0, 1, 2].map(() => post(url, '/api/v1/auth/register', { username: name, password: PASSWORD })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409]);
  });

  const good = () => ({ username: uniqueName('v'), password: PASSWORD, displayName: 'Vee' });
  const bad: [string, unknown, number?][] = [
    ['no username', { password: PASSWORD }],
    ['no password', { username: 'someone_ok' }],
    ['an extra field', { ...good(), role: 'admin' }],
    ['username as number', { ...good(), username: 12345 }],
    ['password as array', { ...good(), password: ['x'.repeat(10)] }],
    ['displayName as object', { ...good(), displayName: { a: 1 } }],
    ['operator object as username', { ...good(), username: { $gt: '' } }],
    ['operator object as password', { ...good(), password: { $gt: '' } }],
    ['operator object as displayName', { ...good(), displayName: { $gt: '' } }],
    ['username too short', { ...good(), username: 'ab' }],
    ['username too long', { ...good(), username: 'a'.repeat(33) }],
    ['username with a space', { ...good(), username: 'a b c' }],
    ['username with $', { ...good(), username: '$where' }],
    ['password too short', { ...good(), password: 'x'.repeat(7) }],
    ['password too long', { ...good(), password: 'x'.repeat(129) }],
    ['blank displayName', { ...good(), displayName: '   ' }],
    ['displayName too long', { ...good(), displayName: 'x'.repeat(65) }],
    ['displayName with a control character', { ...good(), displayName: 'a\u0007b' }],
    ['null body', null],
    ['an array', [good()]],
    ['a string', '"just a string"'],
  ];
  it.each(bad)('400 VALIDATION_FAILED for %s', async (_what, body) => {
    const res = await post(url, '/api/v1/auth/register', typeof body === 'string' ? body : body, typeof body === 'string' ? { 'content-type': 'application/json' } : {});
    expect(res.status).toBe(400);
    expect(res.body).toEqual(errorBody('VALIDATION_FAILED'));
  });

  it('400 VALIDATION_FAILED for malformed JSON, 413 PAYLOAD_TOO_LARGE for a huge body; no stack traces', async () => {
    const malformed = await post(url, '/api/v1/auth/register', '{"username": "abc", "password": ', { 'content-type': 'application/json' });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual(errorBody('VALIDATION_FAILED'));
    const huge = await post(url, '/api/v1/auth/register', JSON.stringify({ username: 'abcdef', password: PASSWORD, displayName: 'x'.repeat(100_000) }), {
      'content-type': 'application/json',
    });
    expect(huge.status).toBe(413);
    expect(huge.body).toEqual(errorBody('PAYLOAD_TOO_LARGE'));
    expect(JSON.stringify([malformed.body, huge.body])).not.toMatch(/at \w+ \(|node_modules|\.ts:/);
  });

  it('rate-limited per address: RATE_LIMITED (429) after the configured number of registrations', async () => {
    const from = address();
    const statuses: number[] = [];
    for (let i = 0; i < LIMITS.REGISTER_LIMIT_PER_ADDRESS + 1; i++) {
      const res = await http(url, 'POST', '/api/v1/auth/register', { username: uniqueName('rl'), password: PASSWORD }, { 'x-forwarded-for': from });
      statuses.push(res.status);
      if (res.status === 429) expect(res.body).toEqual(errorBody('RATE_LIMITED'));
    }
    expect(statuses).toEqual([...Array(LIMITS.REGISTER_LIMIT_PER_ADDRESS).fill(201), 429]);
    // Another address is not affected.
    expect((await post(url, '/api/v1/auth/register', { username: uniqueName('rl'), password: PASSWORD })).status).toBe(201);
  });
});

describe('login', () => {
  it('200 with a new session, matching the username case-insensitively', async () => {
    const name = uniqueName('Log');
    const reg = await registerUser(url, name);
    const res = await post<AuthResult>(url, '/api/v1/auth/login', { username: name.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual(reg.user);
    expect(claimsOf(res.body.accessToken)['sid']).not.toBe(claimsOf(reg.accessToken)['sid']);
    expect(refreshCookie(res)).toBeDefined();
    expect((await me(res.body.accessToken)).status).toBe(200);
  });

  it('401 with one and the same message for an unknown user and a wrong password', async () => {
    const reg = await registerUser(url, uniqueName('who'));
    const wrong = await post(url, '/api/v1/auth/login', { username: reg.user.username, password: 'not the password' });
    const unknown = await post(url, '/api/v1/auth/login', { username: uniqueName('nobody'), password: PASSWORD });
    const malformedName = await post(url, '/api/v1/auth/login', { username: 'no such user!', password: PASSWORD });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(malformedName.status).toBe(401);
    expect(wrong.body).toEqual(errorBody('UNAUTHENTICATED'));
    expect(unknown.body).toEqual(wrong.body);
    expect(malformedName.body).toEqual(wrong.body);
  });

  it('an unknown user and a wrong password take the same time (both verify one argon2id hash)', async () => {
    const users = await Promise.all([0, 1, 2].map(() => registerUser(url, uniqueName('tm'))));
    const time = async (body: unknown) => {
      const t0 = performance.now();
      const res = await post(url, '/api/v1/auth/login', body);
      expect(res.status).toBe(401);
      return performance.now() - t0;
    };
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (const u of users) {
        wrong.push(await time({ username: u.user.username, password: 'wrong password!' }));
        unknown.push(await time({ username: uniqueName('ghost'), password: 'wrong password!' }));
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const [w, u] = [median(wrong), median(unknown)];
    // A shortcut for unknown users would make them several times faster than an argon2id verification.
    expect(Math.abs(w - u)).toBeLessThan(Math.max(w, u) * 0.5);
    expect(u).toBeGreaterThan(w * 0.6);
  });

  it.each([
    ['no password', { username: 'someone' }],
    ['an extra field', { username: 'someone', password: PASSWORD, remember: true }],
    ['operator object as username', { username: { $gt: '' }, password: PASSWORD }],
    ['operator object as password', { username: 'someone', password: { $ne: null } }],
    ['username as number', { username: 1, password: PASSWORD }],
    ['oversized password', { username: 'someone', password: 'x'.repeat(129) }],
  ])('400 VALIDATION_FAILED for %s', async (_what, body) => {
    const res = await post(url, '/api/v1/auth/login', body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(errorBody('VALIDATION_FAILED'));
  });

  it('finding 4: failures slow down only their own username and address, with a wait that passes; the owner elsewhere signs in at once', async () => {
    const reg = await registerUser(url, uniqueName('rlu'));
    const attacker = address();
    const owner = address();
    const attempt = (from: string, password: string) => http(url, 'POST', '/api/v1/auth/login', { username: reg.user.username, password }, { 'x-forwarded-for': from });
    const statuses: number[] = [];
    for (let i = 0; i < LIMITS.LOGIN_FREE_FAILURES + 1; i++) statuses.push((await attempt(attacker, 'wrong password!')).status);
    // The free failures answer 401; the next one, at once, must wait (1 s after the last failure).
    expect(statuses).toEqual([...Array(LIMITS.LOGIN_FREE_FAILURES).fill(401), 429]);
    const waiting = await attempt(attacker, PASSWORD);
    expect(waiting.status).toBe(429);
    expect((waiting.body as { error: { message: string } }).error.message).toMatch(/try again in \d+ s/);
    // The owner, from another address, is not locked out.
    expect((await attempt(owner, PASSWORD)).status).toBe(200);
    // And from the same address once the wait has passed, with the right password.
    await sleep(1100);
    expect((await attempt(attacker, PASSWORD)).status).toBe(200);
  });

  it('rate-limited per address, across usernames (unknown ones too)', async () => {
    const from = address();
    const statuses: number[] = [];
    for (let i = 0; i < LIMITS.LOGIN_LIMIT_PER_ADDRESS + 1; i++) {
      const res = await http(url, 'POST', '/api/v1/auth/login', { username: uniqueName('any'), password: PASSWORD }, { 'x-forwarded-for': from });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([...Array(LIMITS.LOGIN_LIMIT_PER_ADDRESS).fill(401), 429]);
  });
});

describe('refresh', () => {
  it('rotates: a new pair in the same session; the old refresh token is dead', async () => {
    const reg = await registerUser(url, uniqueName('rf'));
    const res = await post<AuthResult>(url, '/api/v1/auth/refresh', { refreshToken: reg.refreshToken });
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual(reg.user);
    expect(res.body.refreshToken).not.toBe(reg.refreshToken);
    expect(claimsOf(res.body.accessToken)['sid']).toBe(claimsOf(reg.accessToken)['sid']);
    expect(refreshCookie(res)).toContain(encodeURIComponent(res.body.refreshToken));
    expect((await me(res.body.accessToken)).status).toBe(200);
  });

  it('replaying a rotated token answers 401 and ends the whole session: its tokens die and its sockets close', async () => {
    const reg = await registerUser(url, uniqueName('rp'));
    const socket = await open(reg.accessToken);
    const other = await post<AuthResult>(url, '/api/v1/auth/login', { username: reg.user.username, password: PASSWORD });
    const otherSocket = await open(other.body.accessToken);
    const next = await post<AuthResult>(url, '/api/v1/auth/refresh', { refreshToken: reg.refreshToken });
    expect(next.status).toBe(200);
    const gone = disconnected(socket);
    const replay = await post(url, '/api/v1/auth/refresh', { refreshToken: reg.refreshToken });
    expect(replay.status).toBe(401);
    expect(replay.body).toEqual(errorBody('UNAUTHENTICATED'));
    await gone;
    // Every token of that session is dead, the newest refresh token included.
    expect((await post(url, '/api/v1/auth/refresh', { refreshToken: next.body.refreshToken })).status).toBe(401);
    expect((await me(next.body.accessToken)).status).toBe(401);
    await expect(connect(url, next.body.accessToken)).rejects.toThrow('UNAUTHENTICATED');
    // The user's other session lives on.
    expect(otherSocket.connected).toBe(true);
    expect((await me(other.body.accessToken)).status).toBe(200);
  });

  it('two refreshes racing with one token: exactly one gets a new pair, and the loser, a replay, ends the session', async () => {
    const reg = await registerUser(url, uniqueName('race'));
    const answers = await Promise.all([0, 1].map(() => post<AuthResult>(url, '/api/v1/auth/refresh', { refreshToken: reg.refreshToken })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401]);
    // The loser presented a token that was already used: as any replay, it ends the whole session,
    // so the winner's new refresh token is dead too.
    const winner = answers.find((a) => a.status === 200)!.body;
    expect((await post(url, '/api/v1/auth/refresh', { refreshToken: winner.refreshToken })).status).toBe(401);
  });

  describe('Idempotency-Key (extension): a retry of a lost answer', () => {
    const key = () => randomBytes(16).toString('base64url');

    it('the same key and token again answer the same pair, and the session lives on', async () => {
      const reg = await registerUser(url, uniqueName('ik'));
      const k = key();
      const first = await post<AuthResult>(url, '/api/v1/auth/refresh', { refreshToken: reg.refreshToken }, { 'idempotency-key': k });
      expect(first.status).toBe(200);
      // The answer was "lost": the client sends the same request again.
      const again = await post<AuthResult>(url, '/api/v1/auth/refresh', { refreshToken: reg.refreshToken }, { 'idempotency-key': k });
      expect(again.status).toBe(200);
      expect(again.body.refreshToken).toBe(first.body.refreshToken);
      expect(refreshCookie(again)).toContain(encodeURIComponent(first.body.refreshToken));
      expect((await me(again.body.accessToken)).status).toBe(200);
      // The new token works, and once it is used the old attempt cannot be asked again: that is a replay.
      const next = await post<AuthResult>(url, '/api/v1/auth/refresh', { refreshToken: first.body.refreshToken }, { 'idempotency-key': key() });
      expect(next.status).toBe(200);
      const late = await post(url, '/api/v1/auth/refresh', { refreshToken: reg.refreshToken }, { 'idempotency-key': k });
      expect(late.status).toBe(401);
      expect((await post(url, '/api/v1/auth/refresh', { refreshToken: next.body.refreshToken })).status).toBe(401);
    });

    it('two racing requests with one key and token both get the one new pair', async () => {
      const reg = await registerUser(url, uniqueName('ir'));
      const k = key();
      const answers = await Promise.all([0, 1].map(() => post<AuthResult>(url, '/api/v1/auth/refresh', { refreshToken: reg.refreshToken }, { 'idempotency-key': k })));
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      expect(answers[1]!.body.refreshToken).toBe(answers[0]!.body.refreshToken);
      expect((await post(url, '/api/v1/auth/refresh', { refreshToken: answers[0]!.body.refreshToken })).status).toBe(200);
    });

    it('a rotated token with another key, or with none, is a replay and ends the session', async () => {
      for (const second of [key(), undefined]) {
        const reg = await registerUser(url, uniqueName('iw'));
        const first = await post<AuthResult>(url, '/api/v1/auth/refresh', { refreshToken: reg.refreshToken }, { 'idempotency-key': key() });
        expect(first.status).toBe(200);
        const replay = await post(url, '/api/v1/auth/refresh', { refreshToken: reg.refreshToken }, second ? { 'idempotency-key': second } : {});
        expect(replay.status).toBe(401);
        expect(replay.body).toEqual(errorBody('UNAUTHENTICATED'));
        expect((await post(url, '/api/v1/auth/refresh', { refreshToken: first.body.refreshToken })).status).toBe(401);
      }
    });

    it.each([['too short', 'abc'], ['a space', 'a'.repeat(20) + ' x'], ['too long', 'a'.repeat(129)]])(
      'a malformed key (%s) is 400 VALIDATION_FAILED and rotates nothing',
      async (_what, bad) => {
        const reg = await registerUser(url, uniqueName('ib'));
        const res = await post(url, '/api/v1/auth/refresh', { refreshToken: reg.refreshToken }, { 'idempotency-key': bad });
        expect(res.status).toBe(400);
        expect(res.body).toEqual(errorBody('VALIDATION_FAILED'));
        expect((await post(url, '/api/v1/auth/refresh', { refreshToken: reg.refreshToken })).status).toBe(200);
      },
    );
  });

  it('reads the cookie when the body has none, and sets the rotated one', async () => {
    const reg = await registerUser(url, uniqueName('ck'));
    const res = await post<AuthResult>(url, '/api/v1/auth/refresh', undefined, { cookie: `refreshToken=${encodeURIComponent(reg.refreshToken)}` });
    expect(res.status).toBe(200);
    expect(refreshCookie(res)).toContain(encodeURIComponent(res.body.refreshToken));
  });

  it('401 for a missing, unknown or made-up token; a made-up token for a real session does not end it', async () => {
    const reg = await registerUser(url, uniqueName('mk'));
    const sid = claimsOf(reg.accessToken)['sid'] as string;
    expect((await post(url, '/api/v1/auth/refresh', {})).status).toBe(401);
    expect((await post(url, '/api/v1/auth/refresh', { refreshToken: 'garbage' })).status).toBe(401);
    expect((await post(url, '/api/v1/auth/refresh', { refreshToken: `${sid}.${'A'.repeat(43)}` })).status).toBe(401);
    expect((await post(url, '/api/v1/auth/refresh', { refreshToken: reg.refreshToken })).status).toBe(200);
  });

  it.each([
    ['operator object', { refreshToken: { $gt: '' } }],
    ['a number', { refreshToken: 42 }],
    ['an extra field', { refreshToken: 'x', userId: 'y' }],
    ['an oversized token', { refreshToken: 'x'.repeat(257) }],
  ])('400 VALIDATION_FAILED for %s', async (_what, body) => {
    const res = await post(url, '/api/v1/auth/refresh', body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(errorBody('VALIDATION_FAILED'));
  });
});

describe('logout', () => {
  it("204: the session's access and refresh tokens die at once, its sockets close, the cookie is cleared; other sessions live on", async () => {
    const reg = await registerUser(url, uniqueName('lo'));
    const socket = await open(reg.accessToken);
    const second = await post<AuthResult>(url, '/api/v1/auth/login', { username: reg.user.username, password: PASSWORD });
    const secondSocket = await open(second.body.accessToken);
    const gone = disconnected(socket);
    const res = await post(url, '/api/v1/auth/logout', undefined, { authorization: `Bearer ${reg.accessToken}` });
    expect(res.status).toBe(204);
    const cleared = refreshCookie(res)!;
    expect(cleared).toMatch(/refreshToken=;/);
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await me(reg.accessToken)).status).toBe(401);
    await gone;
    expect((await post(url, '/api/v1/auth/refresh', { refreshToken: reg.refreshToken })).status).toBe(401);
    await expect(connect(url, reg.accessToken)).rejects.toThrow('UNAUTHENTICATED');
    expect(secondSocket.connected).toBe(true);
    expect((await me(second.body.accessToken)).status).toBe(200);
  });

  it("also ends the session of the refresh token given (body or cookie) when it is the caller's own", async () => {
    const reg = await registerUser(url, uniqueName('lo2'));
    const second = await post<AuthResult>(url, '/api/v1/auth/login', { username: reg.user.username, password: PASSWORD });
    const res = await post(url, '/api/v1/auth/logout', undefined, {
      authorization: `Bearer ${reg.accessToken}`,
      cookie: `refreshToken=${encodeURIComponent(second.body.refreshToken)}`,
    });
    expect(res.status).toBe(204);
    expect((await post(url, '/api/v1/auth/refresh', { refreshToken: second.body.refreshToken })).status).toBe(401);
  });

  it("ignores a refresh token of someone else's session", async () => {
    const alice = await registerUser(url, uniqueName('la'));
    const bob = await registerUser(url, uniqueName('lb'));
    const res = await post(url, '/api/v1/auth/logout', { refreshToken: bob.refreshToken }, { authorization: `Bearer ${alice.accessToken}` });
    expect(res.status).toBe(204);
    expect((await me(bob.accessToken)).status).toBe(200);
    expect((await post(url, '/api/v1/auth/refresh', { refreshToken: bob.refreshToken })).status).toBe(200);
  });

  it('401 without a Bearer token; 400 for a bad body', async () => {
    expect((await post(url, '/api/v1/auth/logout')).status).toBe(401);
    const reg = await registerUser(url, uniqueName('lb'));
    const res = await post(url, '/api/v1/auth/logout', { refreshToken: { $gt: '' } }, { authorization: `Bearer ${reg.accessToken}` });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(errorBody('VALIDATION_FAILED'));
  });
});

describe('access tokens: /me and the socket handshake', () => {
  let reg: AuthResult;
  let claims: Record<string, unknown>;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    reg = await registerUser(url, uniqueName('jwt'));
    claims = claimsOf(reg.accessToken);
  });

  const valid = () => ({ sub: claims['sub'], sid: claims['sid'], iss: 'chat-auth', aud: 'chat', iat: now(), exp: now() + 600 });

  it('GET /me answers the caller; a hand-made token with the right secret and claims is accepted (so the forgeries below fail for their flaw alone)', async () => {
    expect((await me(reg.accessToken)).body).toEqual({ user: reg.user });
    const handmade = makeJwt({ alg: 'HS256', typ: 'JWT' }, valid(), platform.jwtSecret);
    expect((await me(handmade)).status).toBe(200);
    const s = await open(handmade);
    expect(s.connected).toBe(true);
  });

  const forgeries: [string, () => string][] = [
    ['signed with another secret', () => makeJwt({ alg: 'HS256', typ: 'JWT' }, valid(), 'another secret that is long enough to be plausible')],
    ['alg none, no signature', () => makeJwt({ alg: 'none', typ: 'JWT' }, valid())],
    ['alg none with a signature', () => makeJwt({ alg: 'none', typ: 'JWT' }, valid(), platform.jwtSecret)],
    ['HS512 with the right secret (algorithm is pinned)', () => makeJwt({ alg: 'HS512', typ: 'JWT' }, valid(), platform.jwtSecret, 'sha512')],
    ['expired', () => makeJwt({ alg: 'HS256', typ: 'JWT' }, { ...valid(), iat: now() - 2000, exp: now() - 1000 }, platform.jwtSecret)],
    ['wrong issuer', () => makeJwt({ alg: 'HS256', typ: 'JWT' }, { ...valid(), iss: 'evil' }, platform.jwtSecret)],
    ['wrong audience', () => makeJwt({ alg: 'HS256', typ: 'JWT' }, { ...valid(), aud: 'other' }, platform.jwtSecret)],
    ['no session id', () => makeJwt({ alg: 'HS256', typ: 'JWT' }, { ...valid(), sid: undefined }, platform.jwtSecret)],
    [
      'a real token with its payload changed',
      () => {
        const [h, , sig] = reg.accessToken.split('.');
        return `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')}.${sig}`;
      },
    ],
    ['garbage', () => 'not.a.jwt'],
    ['empty', () => ''],
  ];

  it.each(forgeries)('a token %s: /me answers 401 UNAUTHENTICATED', async (_what, token) => {
    const res = await me(token());
    expect(res.status).toBe(401);
    expect(res.body).toEqual(errorBody('UNAUTHENTICATED'));
  });

  it.each(forgeries)('a token %s: the handshake fails with connect_error UNAUTHENTICATED', async (_what, token) => {
    await expect(connect(url, token())).rejects.toThrow('UNAUTHENTICATED');
  });

  it('a handshake with no token fails with UNAUTHENTICATED', async () => {
    await expect(connect(url, undefined as unknown as string)).rejects.toThrow('UNAUTHENTICATED');
  });

  it('GET /me without a token is 401', async () => {
    const res = await http(url, 'GET', '/api/v1/me');
    expect(res.status).toBe(401);
    expect(res.body).toEqual(errorBody('UNAUTHENTICATED'));
  });
});

describe('health', () => {
  it('GET /api/v1/health is 200 while Kafka is reachable', async () => {
    const res = await http(url, 'GET', '/api/v1/health');
    expect(res.status).toBe(200);
  });
});

describe('bad socket input leaves the socket connected', () => {
  it('a request with junk answers VALIDATION_FAILED on an authenticated socket that stays open', async () => {
    const reg = await registerUser(url, uniqueName('sk'));
    const s = await open(reg.accessToken);
    for (const payload of [null, 'text', 42, [], { query: { $gt: '' } }]) {
      const ack = await request(s, 'user:search', payload);
      expect(ack).toEqual({ ok: false, error: { code: 'VALIDATION_FAILED', message: expect.any(String) } });
    }
    expect(s.connected).toBe(true);
    expect((await request(s, 'user:search', { query: 'zzzz-none' })).ok).toBe(true);
  });
});
