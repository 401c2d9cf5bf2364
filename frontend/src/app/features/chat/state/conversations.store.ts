import { Injectable, computed, signal } from '@angular/core';
import type { Conversation, Message } from '@chat/contracts';

function byUpdatedDesc(a: Conversation, b: Conversation): number {
  return a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : a.id < b.id ? -1 : 1;
}

export function later(a: string, b: string): string {
  return a >= b ? a : b;
}

/**
 * A conversation from the server merged over the one held: membership, name
 * and unread come from the server, unless this tab has already seen newer
 * messages (a push that overtook the answer).
 */
export function mergeConversation(held: Conversation | undefined, incoming: Conversation): Conversation {
  if (!held || incoming.lastSeq >= held.lastSeq) return incoming;
  return {
    ...incoming,
    lastSeq: held.lastSeq,
    lastMessage: held.lastMessage,
    unread: held.unread,
    mentions: held.mentions,
    updatedAt: later(held.updatedAt, incoming.updatedAt),
  };
}

/** The user's conversations as the list shows them: summaries, membership and unread counts. */
@Injectable({ providedIn: 'root' })
export class ConversationsStore {
  private readonly byId = signal<ReadonlyMap<string, Conversation>>(new Map());
  private readonly _loaded = signal(false);
  private readonly _error = signal<string | null>(null);

  readonly loaded = this._loaded.asReadonly();
  /** Why the list could not be loaded (it is being retried), or null. */
  readonly error = this._error.asReadonly();
  /** Newest activity first. */
  readonly list = computed(() => [...this.byId().values()].sort(byUpdatedDesc));
  readonly totalUnread = computed(() => this.list().reduce((n, c) => n + c.unread, 0));
  readonly totalMentions = computed(() => this.list().reduce((n, c) => n + c.mentions, 0));

  get(id: string): Conversation | undefined {
    return this.byId().get(id);
  }

  has(id: string): boolean {
    return this.byId().has(id);
  }

  /** A fresh list from the server; what this tab knows to be newer is kept. Returns the ids no longer listed. */
  replace(list: readonly Conversation[]): string[] {
    const held = this.byId();
    const next = new Map<string, Conversation>();
    for (const c of list) next.set(c.id, mergeConversation(held.get(c.id), c));
    this.byId.set(next);
    this._loaded.set(true);
    return [...held.keys()].filter((id) => !next.has(id));
  }

  upsert(conversation: Conversation): void {
    this.byId.update((m) => new Map(m).set(conversation.id, mergeConversation(m.get(conversation.id), conversation)));
  }

  patch(id: string, patch: Partial<Conversation>): void {
    this.byId.update((m) => {
      const conv = m.get(id);
      return conv ? new Map(m).set(id, { ...conv, ...patch }) : m;
    });
  }

  /** Returns whether it was held. */
  remove(id: string): boolean {
    if (!this.byId().has(id)) return false;
    this.byId.update((m) => {
      const next = new Map(m);
      next.delete(id);
      return next;
    });
    return true;
  }

  /** Keeps a conversation's lastSeq, lastMessage and updatedAt in step with the messages seen. */
  summarize(id: string, messages: readonly Message[]): void {
    const conv = this.byId().get(id);
    if (!conv) return;
    let { lastSeq, lastMessage, updatedAt } = conv;
    for (const m of messages) {
      lastSeq = Math.max(lastSeq, m.seq);
      if (!lastMessage || m.seq >= lastMessage.seq) lastMessage = m;
      updatedAt = later(updatedAt, m.createdAt);
    }
    if (lastSeq !== conv.lastSeq || lastMessage !== conv.lastMessage || updatedAt !== conv.updatedAt) {
      this.patch(id, { lastSeq, lastMessage, updatedAt });
    }
  }

  setError(error: string | null): void {
    this._error.set(error);
  }

  reset(): void {
    this.byId.set(new Map());
    this._loaded.set(false);
    this._error.set(null);
  }
}
