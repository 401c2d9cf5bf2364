import { Injectable, computed, inject, signal } from '@angular/core';
import { LIMITS, type Contact, type User } from '@chat/contracts';
import { AuthStore } from '../../../core/auth/auth.store';
import { ChatSocket } from '../../../core/socket/socket.service';

export interface Presence {
  readonly online: boolean;
  readonly lastSeenAt: string | null;
}

/** People this tab knows by id: names from contacts, searches and `user:get`, and their presence. */
@Injectable({ providedIn: 'root' })
export class PeopleStore {
  private readonly socket = inject(ChatSocket);
  private readonly auth = inject(AuthStore);
  private readonly users = signal<ReadonlyMap<string, User>>(new Map());
  private readonly presences = signal<ReadonlyMap<string, Presence>>(new Map());
  private readonly asked = new Set<string>();
  private readonly _blocked = signal<ReadonlySet<string>>(new Set());

  readonly me = computed(() => this.auth.user());
  /** Ids of the users the signed-in user blocks. */
  readonly blocked = this._blocked.asReadonly();

  user(id: string): User | undefined {
    const me = this.me();
    return me && me.id === id ? me : this.users().get(id);
  }

  userName(id: string): string {
    return this.user(id)?.displayName ?? 'Unknown user';
  }

  presence(userId: string): Presence | undefined {
    return this.presences().get(userId);
  }

  setPresence(userId: string, presence: Presence): void {
    this.presences.update((m) => new Map(m).set(userId, presence));
  }

  absorbContacts(contacts: readonly Contact[]): void {
    this.absorbUsers(contacts);
    if (contacts.length === 0) return;
    this.presences.update((m) => {
      const next = new Map(m);
      for (const c of contacts) next.set(c.id, { online: c.online, lastSeenAt: c.lastSeenAt });
      return next;
    });
  }

  absorbUsers(users: readonly User[]): void {
    if (users.length === 0) return;
    this.users.update((m) => {
      const next = new Map(m);
      for (const u of users) next.set(u.id, { id: u.id, username: u.username, displayName: u.displayName, avatarUrl: u.avatarUrl ?? null });
      return next;
    });
  }

  isBlocked(userId: string): boolean {
    return this._blocked().has(userId);
  }

  /** A `user:updated` push: the new name shows wherever the user does, the signed-in user's too. */
  updated(user: User): void {
    this.absorbUsers([user]);
    this.auth.updateUser(user);
  }

  /** The users the signed-in user blocks, asked again (after every handshake). */
  async loadBlocked(): Promise<User[]> {
    const { users } = await this.socket.request('user:blocked', {});
    this.absorbUsers(users);
    this._blocked.set(new Set(users.map((u) => u.id)));
    return users;
  }

  async block(userId: string): Promise<void> {
    await this.socket.request('user:block', { userId });
    this._blocked.update((s) => new Set(s).add(userId));
  }

  async unblock(userId: string): Promise<void> {
    await this.socket.request('user:unblock', { userId });
    this._blocked.update((s) => {
      const next = new Set(s);
      next.delete(userId);
      return next;
    });
  }

  async search(query: string): Promise<User[]> {
    const q = query.trim().slice(0, LIMITS.searchQueryMax);
    if (!q) return [];
    const { users } = await this.socket.request('user:search', { query: q, limit: 20 });
    this.absorbUsers(users);
    return users;
  }

  /**
   * Names and presence (online, last seen) of everyone the user shares a
   * conversation with and this tab does not know yet, through the `user:get`
   * extension (up to 100 ids a request); presence:update pushes keep them
   * current from then on. Nobody is added to the contacts for it.
   */
  ensureKnown(userIds: readonly string[]): void {
    const me = this.me()?.id;
    const users = this.users();
    const presence = this.presences();
    const unknown = [...new Set(userIds)].filter((id) => id !== me && !(users.has(id) && presence.has(id)) && !this.asked.has(id));
    if (unknown.length === 0) return;
    for (const id of unknown) this.asked.add(id);
    void (async () => {
      for (let i = 0; i < unknown.length && i < 1000; i += LIMITS.userGetMax) {
        const { users } = await this.socket.request('user:get', { userIds: unknown.slice(i, i + LIMITS.userGetMax) });
        this.absorbContacts(users);
      }
    })().catch(() => {
      for (const id of unknown) this.asked.delete(id);
    });
  }

  reset(): void {
    this._blocked.set(new Set());
    this.users.set(new Map());
    this.presences.set(new Map());
    this.asked.clear();
  }
}
