import { Injectable, computed, inject, signal } from '@angular/core';
import type { AuthResult, User } from '@chat/contracts';
import { ApiError } from '../api-error';
import { AuthApi } from './auth-api';
import { refreshAttemptKey, settleRefreshAttempt } from './refresh-attempt';
import { withRefreshLock } from './refresh-lock';

export type AuthStatus = 'restoring' | 'signed-in' | 'signed-out';

/** Refresh this long before the access token's expiry, so a reconnect never presents a dead one. */
const EXPIRY_MARGIN_MS = 30_000;

/**
 * Set while this browser holds a session: the refresh cookie is HttpOnly, so
 * without this hint a signed-out page load could only find out by a refresh
 * call that fails with 401 (an error in the console on every visit).
 */
const SESSION_HINT = 'chat.session';

function hasSessionHint(): boolean {
  try {
    return localStorage.getItem(SESSION_HINT) === '1';
  } catch {
    return true;
  }
}

function setSessionHint(on: boolean): void {
  try {
    if (on) localStorage.setItem(SESSION_HINT, '1');
    else localStorage.removeItem(SESSION_HINT);
  } catch {
    /* storage refused: refresh is then always tried */
  }
}

type TabMessage = { type: 'signed-out' } | { type: 'signed-in' };

/**
 * The session: who is signed in and their access token. The token lives only
 * in this object (never in storage); the refresh token is an HttpOnly cookie
 * the browser sends to /api/v1/auth by itself.
 */
@Injectable({ providedIn: 'root' })
export class AuthStore {
  private readonly api = inject(AuthApi);

  private readonly _user = signal<User | null>(null);
  private readonly _status = signal<AuthStatus>('restoring');
  readonly user = this._user.asReadonly();
  readonly status = this._status.asReadonly();
  readonly signedIn = computed(() => this._status() === 'signed-in');
  /** Set when the last sign-out was not asked for (the session ended elsewhere). */
  readonly endedReason = signal<string | null>(null);

  private token: { value: string; expiresAt: number } | null = null;
  private refreshing: Promise<string> | null = null;
  private restoring: Promise<boolean> | null = null;
  private readonly channel = typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel('chat-auth') : null;

  constructor() {
    this.channel?.addEventListener('message', (event: MessageEvent<TabMessage>) => {
      if (event.data?.type === 'signed-out' && this._status() === 'signed-in') {
        this.clear('You signed out in another tab.');
      } else if (event.data?.type === 'signed-in' && this._status() === 'signed-out') {
        // Another tab signed in: this one can join the same session through the cookie.
        this.refresh().catch(() => undefined);
      }
    });
  }

  /** Restores the session from the refresh cookie, once per page load. */
  ready(): Promise<boolean> {
    if (!this.restoring && !hasSessionHint()) {
      this._status.set('signed-out');
      this.restoring = Promise.resolve(false);
    }
    this.restoring ??= this.refresh().then(
      () => true,
      () => false,
    );
    return this.restoring;
  }

  async login(username: string, password: string): Promise<void> {
    this.accept(await this.api.login(username, password));
    this.channel?.postMessage({ type: 'signed-in' } satisfies TabMessage);
  }

  async register(username: string, password: string, displayName?: string): Promise<void> {
    this.accept(await this.api.register(username, password, displayName));
    this.channel?.postMessage({ type: 'signed-in' } satisfies TabMessage);
  }

  async logout(): Promise<void> {
    const token = this.token?.value;
    this.clear(null);
    this.channel?.postMessage({ type: 'signed-out' } satisfies TabMessage);
    if (token) {
      // The server clears the cookie and drops the session's sockets; a failure here
      // still leaves this tab signed out.
      await this.api.logout(token).catch(() => undefined);
    }
  }

  /** Ends every session of the user, this one too (the others' sockets are closed by the server). */
  async logoutEverywhere(): Promise<void> {
    await this.api.logout(await this.accessToken(), true);
    this.clear(null);
    this.channel?.postMessage({ type: 'signed-out' } satisfies TabMessage);
  }

  /** The account is gone: nothing of it stays in this tab. */
  accountDeleted(): void {
    this.clear('Your account has been deleted.');
    this.channel?.postMessage({ type: 'signed-out' } satisfies TabMessage);
  }

  /** The signed-in user's profile changed (here or in another tab). */
  updateUser(user: User): void {
    if (this._user()?.id === user.id) this._user.set(user);
  }

  /** A usable access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt - EXPIRY_MARGIN_MS > Date.now()) return this.token.value;
    return this.refresh();
  }

  /**
   * A new token pair from the refresh cookie. Calls in this tab share one
   * request; calls across tabs take turns (see withRefreshLock). A refusal
   * (401) means the session is over; other failures leave it as it was.
   */
  refresh(): Promise<string> {
    this.refreshing ??= withRefreshLock(() => this.attempt())
      .then((result) => {
        this.accept(result);
        return result.accessToken;
      })
      .catch((err: unknown) => {
        const e = ApiError.fromHttp(err);
        if (e.code === 'UNAUTHENTICATED') {
          // Already signed out (the account was deleted, say): keep the reason the page shows.
          if (this._status() === 'signed-in') this.clear('Your session has ended. Please sign in again.');
          else if (this._status() === 'restoring') this.clear(null);
        } else if (this._status() === 'restoring') {
          this._status.set('signed-out');
        }
        throw e;
      })
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  /**
   * One refresh request, under the lock. An attempt that got no answer keeps its key for the
   * next one, so asking again is not a replay; any answer settles it.
   */
  private async attempt(): Promise<AuthResult> {
    try {
      const result = await this.api.refresh(refreshAttemptKey());
      settleRefreshAttempt();
      return result;
    } catch (err) {
      const e = ApiError.fromHttp(err);
      if (e.code !== 'UNAVAILABLE' && e.code !== 'INTERNAL') settleRefreshAttempt();
      throw e;
    }
  }

  /** The server ended the session (logout elsewhere, replay): forget everything. */
  sessionEnded(): void {
    if (this._status() === 'signed-in') this.clear('Your session has ended. Please sign in again.');
  }

  private accept(result: AuthResult): void {
    this.token = { value: result.accessToken, expiresAt: Date.now() + result.expiresIn * 1000 };
    this._user.set(result.user);
    setSessionHint(true);
    this.endedReason.set(null);
    this._status.set('signed-in');
  }

  private clear(reason: string | null): void {
    this.token = null;
    setSessionHint(false);
    this._user.set(null);
    this.endedReason.set(reason);
    this._status.set('signed-out');
  }
}
