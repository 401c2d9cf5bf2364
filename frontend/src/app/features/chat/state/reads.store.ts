import { Injectable, signal } from '@angular/core';

/** Read markers: how far each other member has read (receipts), and how far this user has told the server. */
@Injectable({ providedIn: 'root' })
export class ReadsStore {
  /** conversationId → userId → highest seq they have read. */
  private readonly markers = signal<ReadonlyMap<string, ReadonlyMap<string, number>>>(new Map());
  private readonly sent = new Map<string, number>();

  /** The members other than `me` who have read up to at least `seq`. */
  readersOf(conversationId: string, seq: number, me: string | undefined): string[] {
    return [...(this.markers().get(conversationId)?.entries() ?? [])].filter(([uid, s]) => uid !== me && s >= seq).map(([uid]) => uid);
  }

  /** Markers only move forward: a late or repeated one is ignored. */
  record(conversationId: string, entries: readonly { userId: string; seq: number }[]): void {
    this.markers.update((all) => {
      let inner: Map<string, number> | null = null;
      const held = all.get(conversationId);
      for (const { userId, seq } of entries) {
        if (((inner ?? held)?.get(userId) ?? 0) >= seq) continue;
        inner ??= new Map(held ?? []);
        inner.set(userId, seq);
      }
      return inner ? new Map(all).set(conversationId, inner) : all;
    });
  }

  /** The highest seq this tab told the server (or learned it was read elsewhere). */
  sentUpTo(conversationId: string): number {
    return this.sent.get(conversationId) ?? 0;
  }

  noteSent(conversationId: string, seq: number): void {
    this.sent.set(conversationId, Math.max(this.sentUpTo(conversationId), seq));
  }

  forgetSent(conversationId: string): void {
    this.sent.delete(conversationId);
  }

  drop(conversationId: string): void {
    this.sent.delete(conversationId);
    if (!this.markers().has(conversationId)) return;
    this.markers.update((all) => {
      const next = new Map(all);
      next.delete(conversationId);
      return next;
    });
  }

  reset(): void {
    this.markers.set(new Map());
    this.sent.clear();
  }
}
