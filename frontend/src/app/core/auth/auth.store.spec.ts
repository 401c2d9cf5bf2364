import { TestBed } from '@angular/core/testing';
import type { AuthResult } from '@chat/contracts';
import { ApiError } from '../api-error';
import { AuthApi } from './auth-api';
import { AuthStore } from './auth.store';

function result(token: string, expiresIn = 900): AuthResult {
  return { user: { id: 'u1', username: 'alice', displayName: 'Alice', avatarUrl: null }, accessToken: token, refreshToken: 'r', expiresIn };
}

describe('AuthStore', () => {
  let api: { refresh: ReturnType<typeof vi.fn>; login: ReturnType<typeof vi.fn>; logout: ReturnType<typeof vi.fn> };
  let store: AuthStore;

  beforeEach(() => {
    localStorage.setItem('chat.session', '1');
    api = { refresh: vi.fn(), login: vi.fn(), logout: vi.fn(() => Promise.resolve()) };
    TestBed.configureTestingModule({ providers: [{ provide: AuthApi, useValue: api }] });
    store = TestBed.inject(AuthStore);
  });

  it('restores the session from the refresh cookie on load', async () => {
    api.refresh.mockResolvedValue(result('t1'));
    expect(await store.ready()).toBe(true);
    expect(store.status()).toBe('signed-in');
    expect(store.user()?.username).toBe('alice');
    expect(await store.accessToken()).toBe('t1');
  });

  it('is signed out when there is no session to restore', async () => {
    api.refresh.mockRejectedValue(new ApiError('UNAUTHENTICATED', 'no session'));
    expect(await store.ready()).toBe(false);
    expect(store.status()).toBe('signed-out');
    expect(store.endedReason()).toBeNull();
  });

  it('does not call refresh on load when this browser never signed in (no 401 in the console)', async () => {
    localStorage.removeItem('chat.session');
    expect(await store.ready()).toBe(false);
    expect(api.refresh).not.toHaveBeenCalled();
    expect(store.status()).toBe('signed-out');
  });

  it('shares one refresh between concurrent callers in a tab (rotation is strict)', async () => {
    let resolve!: (r: AuthResult) => void;
    api.refresh.mockReturnValue(new Promise<AuthResult>((r) => (resolve = r)));
    const a = store.refresh();
    const b = store.refresh();
    resolve(result('t2'));
    expect(await a).toBe('t2');
    expect(await b).toBe('t2');
    expect(api.refresh).toHaveBeenCalledTimes(1);
  });

  it('takes the Web Locks lock around a refresh, so tabs take turns', async () => {
    const request = vi.fn((_name: string, _opts: object, task: () => Promise<unknown>) => task());
    Object.defineProperty(navigator, 'locks', { value: { request }, configurable: true });
    try {
      api.refresh.mockResolvedValue(result('t3'));
      await store.refresh();
      expect(request).toHaveBeenCalledWith('chat-auth-refresh', { mode: 'exclusive' }, expect.any(Function));
    } finally {
      Object.defineProperty(navigator, 'locks', { value: undefined, configurable: true });
    }
  });

  it('refreshes an access token that is about to expire', async () => {
    api.login.mockResolvedValue(result('old', 10));
    await store.login('alice', 'password1');
    api.refresh.mockResolvedValue(result('new'));
    expect(await store.accessToken()).toBe('new');
  });

  it('ends the session when a refresh is refused', async () => {
    api.login.mockResolvedValue(result('t'));
    await store.login('alice', 'password1');
    api.refresh.mockRejectedValue(new ApiError('UNAUTHENTICATED', 'replayed'));
    await expect(store.refresh()).rejects.toBeInstanceOf(ApiError);
    expect(store.status()).toBe('signed-out');
    expect(store.endedReason()).toContain('session has ended');
  });

  it('keeps the reason it shows when a refresh already on its way is refused after the account was deleted', async () => {
    api.login.mockResolvedValue(result('t'));
    await store.login('alice', 'password1');
    api.refresh.mockRejectedValue(new ApiError('UNAUTHENTICATED', 'no session'));
    const pending = store.refresh();
    store.accountDeleted();
    await expect(pending).rejects.toBeInstanceOf(ApiError);
    expect(store.status()).toBe('signed-out');
    expect(store.endedReason()).toBe('Your account has been deleted.');
  });

  it('keeps the session through a network failure', async () => {
    api.login.mockResolvedValue(result('t'));
    await store.login('alice', 'password1');
    api.refresh.mockRejectedValue(new ApiError('UNAVAILABLE', 'down', true));
    await expect(store.refresh()).rejects.toBeInstanceOf(ApiError);
    expect(store.status()).toBe('signed-in');
  });

  it('asks again with the same Idempotency-Key after a lost answer, so the retry is not a replay', async () => {
    localStorage.removeItem('chat.refresh-attempt');
    api.login.mockResolvedValue(result('t'));
    await store.login('alice', 'password1');
    api.refresh.mockRejectedValueOnce(new ApiError('UNAVAILABLE', 'timed out')).mockResolvedValueOnce(result('t2')).mockResolvedValueOnce(result('t3'));
    await expect(store.refresh()).rejects.toBeInstanceOf(ApiError);
    expect(await store.refresh()).toBe('t2');
    const [first, retry] = api.refresh.mock.calls.map((c) => c[0] as string);
    expect(first).toMatch(/^[A-Za-z0-9_-]{16,128}$/);
    expect(retry).toBe(first);
    // Answered: the next refresh is a new attempt with a new key.
    expect(await store.refresh()).toBe('t3');
    expect(api.refresh.mock.calls[2]![0]).not.toBe(first);
  });

  it('shares the pending key with other tabs through storage, and drops it on a definite refusal', async () => {
    localStorage.setItem('chat.refresh-attempt', 'k'.repeat(22));
    api.refresh.mockRejectedValueOnce(new ApiError('UNAUTHENTICATED', 'replayed'));
    await expect(store.refresh()).rejects.toBeInstanceOf(ApiError);
    expect(api.refresh).toHaveBeenCalledWith('k'.repeat(22));
    expect(localStorage.getItem('chat.refresh-attempt')).toBeNull();
  });

  it('forgets the token at logout and tells the server', async () => {
    api.login.mockResolvedValue(result('t9'));
    await store.login('alice', 'password1');
    await store.logout();
    expect(api.logout).toHaveBeenCalledWith('t9');
    expect(store.user()).toBeNull();
    expect(store.status()).toBe('signed-out');
  });
});
