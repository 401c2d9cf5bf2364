import { Injectable, signal } from '@angular/core';

/** What the user has typed but not sent, per conversation (kept while switching conversations). */
@Injectable({ providedIn: 'root' })
export class DraftsStore {
  private readonly drafts = signal<ReadonlyMap<string, string>>(new Map());

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
    this.drafts.set(new Map());
  }
}
