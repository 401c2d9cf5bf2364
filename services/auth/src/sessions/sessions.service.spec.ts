import { ConfigService } from '@nestjs/config';
import type { Env } from '../config';
import { JwtService } from '@nestjs/jwt';
import type { EventPayload } from '@chat/contracts/bus';
import type { SessionDoc } from './sessions.schema';
import { PREVIOUS_HASHES_KEPT, SessionsService, sha256 } from './sessions.service';

class FakeSessions {
  readonly docs = new Map<string, SessionDoc>();
  /** Runs once just before the next rotate: a concurrent refresh winning the race. */
  beforeRotate?: () => Promise<void>;

  async insert(doc: SessionDoc) {
    this.docs.set(doc._id, structuredClone(doc));
  }
  async findById(id: string) {
    const d = this.docs.get(id);
    return d ? structuredClone(d) : null;
  }
  async rotate(id: string, oldHash: string, update: Pick<SessionDoc, 'tokenHash' | 'previousHashes' | 'lastUsedAt' | 'expiresAt' | 'rotatedBy' | 'rotatedByCommands'>) {
    const hook = this.beforeRotate;
    this.beforeRotate = undefined;
    await hook?.();
    const d = this.docs.get(id);
    if (!d || d.tokenHash !== oldHash || d.revokedAt) return null;
    Object.assign(d, update);
    return structuredClone(d);
  }
  async revoke(id: string, reason: string, at: Date) {
    const d = this.docs.get(id);
    if (d && !d.revokedAt) Object.assign(d, { revokedAt: at, revokeReason: reason });
  }
  async live(userId: string, now: Date) {
    return [...this.docs.values()].filter((d) => d.userId === userId && !d.revokedAt && d.expiresAt > now).map((d) => structuredClone(d));
  }
}

const SECRET = 'x'.repeat(40);
const config = new ConfigService<Env, true>({ JWT_SECRET: SECRET, JWT_ISSUER: 'chat-auth', JWT_AUDIENCE: 'chat', ACCESS_TTL_SEC: 900, REFRESH_TTL_SEC: 3600 });
const alice = { id: 'u-alice', username: 'alice', displayName: 'Alice', avatarUrl: null };

function setup() {
  const repo = new FakeSessions();
  const revoked: EventPayload<'session.revoked'>[] = [];
  const events = {
    sessionRevoked: async (sessionId: string, userId: string, reason: EventPayload<'session.revoked'>['reason']) => void revoked.push({ sessionId, userId, reason }),
  };
  let now = Date.parse('2026-01-01T00:00:00Z');
  const clock = () => new Date(now);
  const jwt = new JwtService({ secret: SECRET });
  const svc = new SessionsService(repo as never, jwt, events as never, config);
  svc.now = clock;
  return { repo, revoked, svc, jwt, advance: (ms: number) => (now += ms) };
}

async function code(p: Promise<unknown>) {
  return p.then(
    () => 'ok',
    (e: { code?: string }) => e.code,
  );
}

describe('SessionsService', () => {
  it('issues an HS256 access token with sub, sid, iss, aud and a 15-minute expiry, and a refresh token stored only as its sha256', async () => {
    const { svc, repo, jwt } = setup();
    const r = await svc.start(alice);
    expect(r.expiresIn).toBe(900);
    expect(r.refreshToken.startsWith(`${r.sessionId}.`)).toBe(true);
    const claims = jwt.verify<{ sub: string; sid: string; iss: string; aud: string; exp: number; iat: number }>(r.accessToken, {
      algorithms: ['HS256'],
      issuer: 'chat-auth',
      audience: 'chat',
      ignoreExpiration: true,
    });
    expect(claims).toMatchObject({ sub: alice.id, sid: r.sessionId, iss: 'chat-auth', aud: 'chat' });
    expect(claims.exp - claims.iat).toBe(900);
    expect(JSON.parse(Buffer.from(r.accessToken.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'HS256' });
    const stored = repo.docs.get(r.sessionId)!;
    expect(stored.tokenHash).toBe(sha256(r.refreshToken));
    expect(JSON.stringify(stored)).not.toContain(r.refreshToken.split('.')[1]);
  });

  it('rotates on every refresh: the new token works, in the same session, and the old one is dead', async () => {
    const { svc } = setup();
    const first = await svc.start(alice);
    const second = await svc.refresh(first.refreshToken);
    expect(second.sessionId).toBe(first.sessionId);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.user).toEqual(alice);
    const third = await svc.refresh(second.refreshToken);
    expect(third.sessionId).toBe(first.sessionId);
  });

  it('a replayed (rotated-away) token ends the whole session and says so on session.revoked', async () => {
    const { svc, revoked, repo } = setup();
    const first = await svc.start(alice);
    const second = await svc.refresh(first.refreshToken);
    expect(await code(svc.refresh(first.refreshToken))).toBe('UNAUTHENTICATED');
    expect(revoked).toEqual([{ sessionId: first.sessionId, userId: alice.id, reason: 'replay' }]);
    expect(repo.docs.get(first.sessionId)!.revokeReason).toBe('replay');
    // The thief's replay also killed the legitimate holder's newer token.
    expect(await code(svc.refresh(second.refreshToken))).toBe('UNAUTHENTICATED');
  });

  it('the same refresh command again (redelivered after auth died before answering) answers the same token, not a replay', async () => {
    const { svc, revoked, repo } = setup();
    const first = await svc.start(alice);
    const second = await svc.refresh(first.refreshToken, 'c1', undefined, 'cmd-1');
    expect(repo.docs.get(first.sessionId)!.rotatedBy).toBe('cmd-1');
    const again = await svc.refresh(first.refreshToken, 'c1', undefined, 'cmd-1');
    expect(again.refreshToken).toBe(second.refreshToken);
    expect(revoked).toEqual([]);
    // The answered token goes on working, and rotates as usual.
    const third = await svc.refresh(second.refreshToken, 'c2', undefined, 'cmd-2');
    expect(third.refreshToken).not.toBe(second.refreshToken);
    // Once the session has moved on, the first command's token is a replay like any other.
    expect(await code(svc.refresh(first.refreshToken, 'c1', undefined, 'cmd-1'))).toBe('UNAUTHENTICATED');
    expect(revoked.map((r) => r.reason)).toEqual(['replay']);
  });

  it('a handled command delivered again after the session moved on is refused, and ends nothing', async () => {
    const { svc, revoked, repo } = setup();
    const first = await svc.start(alice);
    // Two refreshes in a row, each its own bus message (its id) and its own Idempotency-Key.
    const second = await svc.refresh(first.refreshToken, 'c1', undefined, 'key:k1', 'msg-1');
    const third = await svc.refresh(second.refreshToken, 'c2', undefined, 'key:k2', 'msg-2');
    expect(repo.docs.get(first.sessionId)!.rotatedByCommands).toEqual(['msg-2', 'msg-1']);
    // auth died before committing: Kafka hands it both again, in order.
    expect(await code(svc.refresh(first.refreshToken, 'c1', undefined, 'key:k1', 'msg-1'))).toBe('UNAUTHENTICATED');
    const again = await svc.refresh(second.refreshToken, 'c2', undefined, 'key:k2', 'msg-2');
    expect(again.refreshToken).toBe(third.refreshToken);
    expect(revoked).toEqual([]);
    expect((await svc.refresh(third.refreshToken, 'c3', undefined, 'key:k3', 'msg-3')).sessionId).toBe(first.sessionId);
    // The same token and key in a new request (a captured request replayed) is a replay all the same.
    expect(await code(svc.refresh(first.refreshToken, 'c9', undefined, 'key:k1', 'msg-9'))).toBe('UNAUTHENTICATED');
    expect(revoked.map((r) => r.reason)).toEqual(['replay']);
  });

  it('another command with a rotated-away token is a replay, even right after the rotation (no grace window)', async () => {
    const { svc, revoked } = setup();
    const first = await svc.start(alice);
    await svc.refresh(first.refreshToken, 'c1', undefined, 'cmd-1');
    expect(await code(svc.refresh(first.refreshToken, 'c9', undefined, 'cmd-9'))).toBe('UNAUTHENTICATED');
    expect(revoked.map((r) => r.reason)).toEqual(['replay']);
  });

  it('derives the token from the command, the token and a key: other commands, sessions or keys give others', async () => {
    const { svc } = setup();
    const a = await svc.start(alice);
    const b = await svc.start(alice);
    const ra = await svc.refresh(a.refreshToken, undefined, undefined, 'same-id');
    const rb = await svc.refresh(b.refreshToken, undefined, undefined, 'same-id');
    expect(ra.refreshToken.split('.')[1]).not.toBe(rb.refreshToken.split('.')[1]);
    expect(ra.refreshToken).toMatch(/^[A-Za-z0-9_-]{16,64}\.[A-Za-z0-9_-]{43}$/);
  });

  it('of two refreshes racing with one token, exactly one wins; the loser is a replay that ends the session', async () => {
    const { svc, repo, revoked } = setup();
    const first = await svc.start(alice);
    let winner: Awaited<ReturnType<SessionsService['refresh']>> | undefined;
    repo.beforeRotate = async () => {
      winner = await svc.refresh(first.refreshToken);
    };
    expect(await code(svc.refresh(first.refreshToken))).toBe('UNAUTHENTICATED');
    expect(winner?.sessionId).toBe(first.sessionId);
    expect(revoked.map((r) => r.reason)).toEqual(['replay']);
  });

  it('a made-up token for a real session id is refused without ending the session (anyone can read a sid from a JWT)', async () => {
    const { svc, revoked } = setup();
    const first = await svc.start(alice);
    const forged = `${first.sessionId}.${'A'.repeat(43)}`;
    expect(await code(svc.refresh(forged))).toBe('UNAUTHENTICATED');
    expect(revoked).toEqual([]);
    expect(await code(svc.refresh(first.refreshToken))).toBe('ok');
  });

  it('refuses malformed tokens, unknown sessions and expired sessions', async () => {
    const { svc, advance } = setup();
    for (const bad of ['', 'nodot', 'a.b', `${'x'.repeat(22)}.${'y'.repeat(42)}`, `${'x'.repeat(22)}.${'y'.repeat(43)}`, '{"$gt":""}']) {
      expect(await code(svc.refresh(bad))).toBe('UNAUTHENTICATED');
    }
    const s = await svc.start(alice);
    advance(3600 * 1000 + 1);
    expect(await code(svc.refresh(s.refreshToken))).toBe('UNAUTHENTICATED');
  });

  it('remembers a bounded number of rotated tokens', async () => {
    const { svc, repo } = setup();
    let r = await svc.start(alice);
    for (let i = 0; i < PREVIOUS_HASHES_KEPT + 5; i++) r = await svc.refresh(r.refreshToken);
    expect(repo.docs.get(r.sessionId)!.previousHashes).toHaveLength(PREVIOUS_HASHES_KEPT);
  });

  it('logout ends the caller session (and its refresh token), emitting session.revoked with reason logout', async () => {
    const { svc, revoked } = setup();
    const s = await svc.start(alice);
    await svc.logout(alice.id, s.sessionId);
    expect(revoked).toEqual([{ sessionId: s.sessionId, userId: alice.id, reason: 'logout' }]);
    expect(await code(svc.refresh(s.refreshToken))).toBe('UNAUTHENTICATED');
  });

  it("logout also ends the refresh token's session when it is the caller's own, and ignores someone else's", async () => {
    const { svc, revoked } = setup();
    const a1 = await svc.start(alice);
    const a2 = await svc.start(alice);
    const bob = await svc.start({ id: 'u-bob', username: 'bob', displayName: 'Bob', avatarUrl: null });
    await svc.logout(alice.id, a1.sessionId, bob.refreshToken);
    expect(revoked.map((r) => r.sessionId)).toEqual([a1.sessionId]);
    expect(await code(svc.refresh(bob.refreshToken))).toBe('ok');
    await svc.logout(alice.id, a1.sessionId, a2.refreshToken);
    expect(revoked.map((r) => r.sessionId)).toContain(a2.sessionId);
    expect(await code(svc.refresh(a2.refreshToken))).toBe('UNAUTHENTICATED');
  });

  it("logout never ends another user's session named by the caller", async () => {
    const { svc, revoked } = setup();
    const bob = await svc.start({ id: 'u-bob', username: 'bob', displayName: 'Bob', avatarUrl: null });
    await svc.logout(alice.id, bob.sessionId);
    expect(revoked).toEqual([]);
    expect(await code(svc.refresh(bob.refreshToken))).toBe('ok');
  });

  it('lists the live sessions newest first, marking the current one, with their User-Agent and last use', async () => {
    const { svc, advance } = setup();
    const first = await svc.start(alice, 'agent-1');
    advance(1000);
    const second = await svc.start(alice, 'agent-2');
    advance(1000);
    const ended = await svc.start(alice);
    await svc.start({ ...alice, id: 'u-bob' });
    await svc.endOne(alice.id, ended.sessionId);
    advance(1000);
    await svc.refresh(first.refreshToken, undefined, 'agent-1b');
    const list = await svc.list(alice.id, second.sessionId);
    expect(list.map((s) => [s.id, s.current, s.userAgent])).toEqual([
      [second.sessionId, true, 'agent-2'],
      [first.sessionId, false, 'agent-1b'],
    ]);
    expect(list[1]!.lastUsedAt > list[1]!.createdAt).toBe(true);
  });

  it("ends one session by id (another user's is NOT_FOUND), all but one, or all, each announced", async () => {
    const { svc, revoked } = setup();
    const [a, b, c] = [await svc.start(alice), await svc.start(alice), await svc.start(alice)];
    const bob = await svc.start({ ...alice, id: 'u-bob' });
    expect(await code(svc.endOne(alice.id, bob.sessionId))).toBe('NOT_FOUND');
    expect(await code(svc.endOne(alice.id, 'nosuch'))).toBe('NOT_FOUND');
    await svc.endOne(alice.id, a.sessionId);
    await svc.endAll(alice.id, 'password', b.sessionId);
    expect(revoked.map((r) => [r.sessionId, r.reason])).toEqual([
      [a.sessionId, 'logout'],
      [c.sessionId, 'password'],
    ]);
    await svc.logout(alice.id, b.sessionId, undefined, undefined, true);
    expect(revoked.at(-1)).toMatchObject({ sessionId: b.sessionId, reason: 'logout' });
    expect(await svc.list(alice.id, b.sessionId)).toEqual([]);
    expect(await svc.list('u-bob', bob.sessionId)).toHaveLength(1);
  });
});
