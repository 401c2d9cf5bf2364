import { Injectable, effect, signal } from '@angular/core';
import { readStored, writeStored } from './browser-storage';

/**
 * What the user has typed but not sent, per conversation (kept while
 * switching conversations, and in the browser's storage across reloads).
 */
@Injectable({ providedIn: 'root' })
export class DraftsStore {
  private readonly drafts = signal<ReadonlyMap<string, string>>(new Map());
  private storageKey: string | null = null;

  constructor() {
    effect(() => {
      const drafts = this.drafts();
      if (this.storageKey) writeStored(this.storageKey, Object.fromEntries(drafts));
    });
  }

  restore(userId: string): void {
    this.storageKey = `chat.drafts.v1.${userId}`;
    const saved = readStored<Record<string, unknown>>(this.storageKey, {});
    const next = new Map(this.drafts());
    for (const [id, text] of Object.entries(saved && typeof saved === 'object' ? saved : {})) {
      if (typeof text === 'string' && text && !next.has(id)) next.set(id, text);
    }
    this.drafts.set(next);
  }

  get(id: string): string {
    return this.drafts().get(id) ?? '';
  }

  set(id: string, text: string): void {
    this.drafts.update((m) => {
      if (!text && !m.has(id)) return m;
      const next = new Map(m);
      if (text) next.set(id, text);
      else next.delete(id);
      return next;
    });
  }

  reset(): void {
    if (this.storageKey) writeStored(this.storageKey, null);
    this.storageKey = null;
    this.drafts.set(new Map());
  }
}
