import { ConfigService } from '@nestjs/config';
import type { Env } from '../config';
import { ChatError } from '@chat/contracts';
import type { CredentialDoc } from './accounts.schema';
import { AccountsService, userIdFor } from './accounts.service';
import type { PasswordHasher } from './password-hasher';

class FakeCredentials {
  readonly docs = new Map<string, CredentialDoc>();
  lookups: string[] = [];
  async insert(doc: CredentialDoc) {
    if (this.docs.has(doc._id) || [...this.docs.values()].some((d) => d.username === doc.username || d.userId === doc.userId)) return false;
    this.docs.set(doc._id, { ...doc });
    return true;
  }
  async findByUsername(username: string) {
    this.lookups.push(username);
    return [...this.docs.values()].find((d) => d.username === username) ?? null;
  }
}

/** Records what it verified against: both login failures must do the same work. */
class FakeHasher implements PasswordHasher {
  verified: string[] = [];
  async hash(p: string) {
    return `hash(${p})`;
  }
  async verify(phc: string, p: string) {
    this.verified.push(phc);
    return phc === `hash(${p})`;
  }
}

function setup() {
  const repo = new FakeCredentials();
  const hasher = new FakeHasher();
  const started: { id: string }[] = [];
  const sessions = { start: async (user: { id: string; username: string; displayName: string }) => (started.push(user), { user, accessToken: 'a', refreshToken: 'r', expiresIn: 900, sessionId: 's' }) };
  const limits: unknown[] = [];
  const limiter = { take: async (l: unknown) => void limits.push(l) };
  const created: unknown[] = [];
  const bus = {
    request: async (_t: string, _k: string, p: { id: string; username: string; displayName: string }) => {
      created.push(p);
      return { user: p };
    },
  };
  const config = new ConfigService<Env, true>({
    LOGIN_LIMIT_PER_USERNAME: 10,
    LOGIN_LIMIT_PER_ADDRESS: 30,
    LOGIN_WINDOW_SEC: 60,
    REGISTER_LIMIT_PER_ADDRESS: 100,
    REGISTER_WINDOW_SEC: 600,
  });
  const svc = new AccountsService(repo as never, hasher, sessions as never, limiter as never, bus as never, config);
  return { svc, repo, hasher, started, limits, created };
}

describe('AccountsService', () => {
  it('register: stores a lower-case username and the hash, creates the user in the users service, then starts a session', async () => {
    const { svc, repo, created, started, limits } = setup();
    const r = await svc.register({ username: 'Alice', password: 'long enough', address: '1.2.3.4' }, 'env-1');
    expect(r.user).toEqual({ id: userIdFor('env-1'), username: 'alice', displayName: 'alice' });
    expect(repo.docs.get('alice')).toMatchObject({ userId: userIdFor('env-1'), passwordHash: 'hash(long enough)' });
    expect(created).toEqual([r.user]);
    expect(started).toHaveLength(1);
    expect(limits).toEqual([[{ key: 'register:addr:1.2.3.4', max: 100, windowSec: 600 }]]);
  });

  it('register: a taken username (any case) is CONFLICT; a redelivery of the same command goes through', async () => {
    const { svc, created } = setup();
    await svc.register({ username: 'alice', password: 'long enough', displayName: 'A', address: '' }, 'env-1');
    await expect(svc.register({ username: 'ALICE', password: 'long enough', address: '' }, 'env-2')).rejects.toMatchObject({ code: 'CONFLICT' });
    const again = await svc.register({ username: 'alice', password: 'long enough', displayName: 'A', address: '' }, 'env-1');
    expect(again.user.id).toBe(userIdFor('env-1'));
    expect(created).toHaveLength(2);
  });

  it('register: validates again in the service (bad username, short password, extra fields)', async () => {
    const { svc } = setup();
    for (const bad of [
      { username: 'a b', password: 'long enough', address: '' },
      { username: 'alice', password: 'short', address: '' },
      { username: 'alice', password: 'long enough', address: '', admin: true },
    ]) {
      await expect(svc.register(bad as never, 'e')).rejects.toBeInstanceOf(ChatError);
    }
  });

  it('login: case-insensitive username, rate-limited per username and per address', async () => {
    const { svc, limits } = setup();
    await svc.register({ username: 'alice', password: 'long enough', address: '' }, 'env-1');
    const r = await svc.login({ username: 'ALICE', password: 'long enough', address: '9.9.9.9' });
    expect(r.user.username).toBe('alice');
    expect(limits.at(-1)).toEqual([
      { key: 'login:user:alice', max: 10, windowSec: 60 },
      { key: 'login:addr:9.9.9.9', max: 30, windowSec: 60 },
    ]);
  });

  it('login: an unknown user and a wrong password get the same error after one password verification each', async () => {
    const { svc, hasher } = setup();
    await svc.register({ username: 'alice', password: 'long enough', address: '' }, 'env-1');
    const unknown = await svc.login({ username: 'nobody', password: 'long enough', address: '' }).catch((e: ChatError) => e);
    const wrong = await svc.login({ username: 'alice', password: 'not the one', address: '' }).catch((e: ChatError) => e);
    expect(unknown).toBeInstanceOf(ChatError);
    expect(wrong).toBeInstanceOf(ChatError);
    expect((unknown as ChatError).toBody()).toEqual((wrong as ChatError).toBody());
    expect((unknown as ChatError).code).toBe('UNAUTHENTICATED');
    expect(hasher.verified).toHaveLength(2);
    expect(hasher.verified[0]).toMatch(/^hash\(/); // the dummy hash, not a shortcut
  });
});
