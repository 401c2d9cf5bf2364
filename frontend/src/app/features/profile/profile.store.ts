import { Injectable, inject, signal } from '@angular/core';
import type { SessionInfo, User } from '@chat/contracts';
import { AuthApi } from '../../core/auth/auth-api';
import { AuthStore } from '../../core/auth/auth.store';
import { FilesApi } from '../../core/files/files-api';
import { PeopleStore } from '../chat/state/people.store';

/**
 * The profile page's state and actions: the display name, the password, the
 * sessions, the blocked users, the export and the deletion. Components only
 * render it and call in.
 */
@Injectable({ providedIn: 'root' })
export class ProfileStore {
  private readonly api = inject(AuthApi);
  private readonly auth = inject(AuthStore);
  private readonly people = inject(PeopleStore);
  private readonly files = inject(FilesApi);

  private readonly _sessions = signal<readonly SessionInfo[]>([]);
  private readonly _blocked = signal<readonly User[]>([]);
  readonly sessions = this._sessions.asReadonly();
  readonly blockedUsers = this._blocked.asReadonly();
  readonly me = this.auth.user;

  async loadSessions(): Promise<void> {
    this._sessions.set(await this.api.sessions(await this.auth.accessToken()));
  }

  async loadBlocked(): Promise<void> {
    this._blocked.set(await this.people.loadBlocked());
  }

  async rename(displayName: string): Promise<void> {
    this.auth.updateUser(await this.api.updateMe(await this.auth.accessToken(), displayName));
  }

  async setAvatar(file: File): Promise<void> {
    this.auth.updateUser(await this.files.setAvatar(await this.auth.accessToken(), file));
  }

  async removeAvatar(): Promise<void> {
    await this.files.removeAvatar(await this.auth.accessToken());
    const me = this.me();
    if (me) this.auth.updateUser({ ...me, avatarUrl: null });
  }

  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    await this.api.changePassword(await this.auth.accessToken(), currentPassword, newPassword);
    await this.loadSessions();
  }

  /** Ends one session; ending this one is signing out. */
  async endSession(session: SessionInfo): Promise<void> {
    if (session.current) return this.auth.logout();
    await this.api.endSession(await this.auth.accessToken(), session.id);
    this._sessions.update((list) => list.filter((s) => s.id !== session.id));
  }

  signOutEverywhere(): Promise<void> {
    return this.auth.logoutEverywhere();
  }

  async unblock(userId: string): Promise<void> {
    await this.people.unblock(userId);
    this._blocked.update((list) => list.filter((u) => u.id !== userId));
  }

  /** Saves the export as a JSON file through a temporary link. */
  async download(): Promise<void> {
    const blob = await this.api.exportData(await this.auth.accessToken());
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = `chat-export-${this.me()?.username ?? 'me'}.json`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  async deleteAccount(password: string): Promise<void> {
    await this.api.deleteMe(await this.auth.accessToken(), password);
    this.auth.accountDeleted();
  }
}
