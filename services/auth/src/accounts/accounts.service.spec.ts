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
  async findByUserId(userId: string) {
    return [...this.docs.values()].find((d) => d.userId === userId) ?? null;
  }
  async setPasswordHash(username: string, passwordHash: string) {
    Object.assign(this.docs.get(username)!, { passwordHash });
  }
  async markDeleted(username: string, at: Date) {
    Object.assign(this.docs.get(username)!, { deletedAt: at, passwordHash: '' });
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
  const ended: { userId: string; reason: string; keep?: string }[] = [];
  const sessions = {
    start: async (user: { id: string; username: string; displayName: string }) => (started.push(user), { user, accessToken: 'a', refreshToken: 'r', expiresIn: 900, sessionId: 's' }),
    endAll: async (userId: string, reason: string, keep?: string) => void ended.push({ userId, reason, ...(keep ? { keep } : {}) }),
  };
  const limits: unknown[] = [];
  const failures: string[] = [];
  const limiter = {
    take: async (l: unknown) => void limits.push(l),
    checkFailures: async () => false,
    recordFailure: async (key: string) => void failures.push(key),
    forgetFailures: async () => undefined,
  };
  const created: unknown[] = [];
  const asked: string[] = [];
  const bus = {
    request: async (t: string, _k: string, p: { id: string; username: string; displayName: string }) => {
      asked.push(t);
      if (t !== 'users.create') return {};
      created.push({ ...p, avatarUrl: null });
      return { user: { ...p, avatarUrl: null } };
    },
  };
  const config = new ConfigService<Env, true>({
    LOGIN_FREE_FAILURES: 5,
    LOGIN_MAX_DELAY_SEC: 900,
    LOGIN_FAILURES_FORGET_SEC: 3600,
    LOGIN_LIMIT_PER_ADDRESS: 30,
    LOGIN_WINDOW_SEC: 60,
    REGISTER_LIMIT_PER_ADDRESS: 100,
    REGISTER_WINDOW_SEC: 600,
  });
  const svc = new AccountsService(repo as never, hasher, sessions as never, limiter as never, bus as never, config);
  return { svc, repo, hasher, started, limits, created, failures, ended, asked };
}

describe('AccountsService', () => {
  it('register: stores a lower-case username and the hash, creates the user in the users service, then starts a session', async () => {
    const { svc, repo, created, started, limits } = setup();
    const r = await svc.register({ username: 'Alice', password: 'long enough', address: '1.2.3.4' }, 'env-1');
    expect(r.user).toEqual({ id: userIdFor('env-1'), username: 'alice', displayName: 'alice', avatarUrl: null });
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

  it('login: case-insensitive username; attempts limited per address, failures counted per username and address', async () => {
    const { svc, limits, failures } = setup();
    await svc.register({ username: 'alice', password: 'long enough', address: '' }, 'env-1');
    const r = await svc.login({ username: 'ALICE', password: 'long enough', address: '9.9.9.9' });
    expect(r.user.username).toBe('alice');
    expect(limits.at(-1)).toEqual([{ key: 'login:addr:9.9.9.9', max: 30, windowSec: 60 }]);
    expect(failures).toEqual([]);
    await svc.login({ username: 'Alice', password: 'not the one', address: '6.6.6.6' }).catch(() => undefined);
    await svc.login({ username: 'nobody', password: 'whatever', address: '6.6.6.6' }).catch(() => undefined);
    expect(failures).toEqual(['login:fail:alice@6.6.6.6', 'login:fail:nobody@6.6.6.6']);
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

  it('password change: checked and counted as a login; ends every other session, keeps the caller; the new one must follow the rules', async () => {
    const { svc, repo, failures, ended } = setup();
    const { user } = await svc.register({ username: 'alice', password: 'long enough', address: '' }, 'env-1');
    const change = (currentPassword: string, newPassword: string) => svc.changePassword({ actorId: user.id, sessionId: 's1', currentPassword, newPassword, address: '7.7.7.7' });
    await expect(change('not the one', 'another long one')).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'wrong username or password' });
    expect(failures).toEqual(['login:fail:alice@7.7.7.7']);
    await expect(change('long enough', 'short')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(change('long enough', 'password1234')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(ended).toEqual([]);
    await change('long enough', 'another long one');
    expect(repo.docs.get('alice')!.passwordHash).toBe('hash(another long one)');
    expect(ended).toEqual([{ userId: user.id, reason: 'password', keep: 's1' }]);
  });

  it('deletion: the password checked as a login; the credential stays marked (the name is taken), login then answers as for an unknown user', async () => {
    const { svc, repo, ended, asked, failures } = setup();
    const { user } = await svc.register({ username: 'alice', password: 'long enough', address: '' }, 'env-1');
    await expect(svc.deleteAccount({ actorId: user.id, password: 'nope', address: '5.5.5.5' })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(failures).toEqual(['login:fail:alice@5.5.5.5']);
    await svc.deleteAccount({ actorId: user.id, password: 'long enough', address: '5.5.5.5' });
    expect(asked).toContain('users.delete');
    expect(ended).toEqual([{ userId: user.id, reason: 'deleted' }]);
    expect(repo.docs.get('alice')).toMatchObject({ deletedAt: expect.any(Date), passwordHash: '' });
    const unknown = await svc.login({ username: 'nobody', password: 'long enough', address: '' }).catch((e: ChatError) => e.toBody());
    const deleted = await svc.login({ username: 'alice', password: 'long enough', address: '' }).catch((e: ChatError) => e.toBody());
    expect(deleted).toEqual(unknown);
    await expect(svc.register({ username: 'alice', password: 'long enough', address: '' }, 'env-2')).rejects.toMatchObject({ code: 'CONFLICT' });
    // A retry after a partial failure finishes the work without the password.
    await svc.deleteAccount({ actorId: user.id, password: 'anything', address: '' });
    expect(ended).toHaveLength(2);
  });
});
