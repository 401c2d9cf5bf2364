import { Injectable, effect, inject, signal } from '@angular/core';
import type { Message } from '@chat/contracts';
import { ApiError, describeError } from '../../../core/api-error';
import { ChatSocket } from '../../../core/socket/socket.service';
import { readStored, writeStored } from './browser-storage';

export interface PendingMessage {
  readonly clientMsgId: string;
  readonly conversationId: string;
  readonly text: string;
  /** The message it answers, if any. */
  readonly replyTo?: string;
  /** v1.1: uploads it carries (already on the server; a retry sends the same ids, which the server accepts for the same clientMsgId). */
  readonly attachmentIds?: readonly string[];
  readonly createdAt: string;
  /** sending: waiting for the ack (retried with the same clientMsgId); failed: the server refused it or gave up. */
  readonly state: 'sending' | 'failed';
  readonly error: string | null;
}

/** Sends that time out are retried (same clientMsgId) this many times before the user is asked. */
const SEND_ATTEMPTS = 6;

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Messages on their way: queued per conversation, sent in order, retried with
 * the same clientMsgId. Kept in the browser's storage (per user) until
 * acknowledged, so a reload sends them again with their clientMsgId and the
 * server stores each once.
 */
@Injectable({ providedIn: 'root' })
export class OutboxStore {
  private readonly socket = inject(ChatSocket);
  private readonly pending = signal<readonly PendingMessage[]>([]);
  private readonly flushing = new Set<string>();
  private storageKey: string | null = null;
  /** Told about each message the server stored (set by the store that owns the timelines). */
  delivered: (message: Message) => void = () => undefined;

  constructor() {
    effect(() => {
      const list = this.pending();
      if (this.storageKey) writeStored(this.storageKey, list);
    });
  }

  /** Takes back what this user left unsent in this browser; all of it goes again on the next handshake. */
  restore(userId: string): void {
    this.storageKey = `chat.outbox.v1.${userId}`;
    const saved = readStored<PendingMessage[]>(this.storageKey, []);
    const valid = Array.isArray(saved) ? saved.filter((p) => p && typeof p.clientMsgId === 'string' && typeof p.conversationId === 'string' && typeof p.text === 'string') : [];
    const held = new Set(this.pending().map((p) => p.clientMsgId));
    const back = valid.filter((p) => !held.has(p.clientMsgId)).map((p) => ({ ...p, state: 'sending' as const, error: null }));
    if (back.length) this.pending.update((list) => [...back, ...list]);
  }

  in(conversationId: string): PendingMessage[] {
    return this.pending().filter((p) => p.conversationId === conversationId);
  }

  conversationIds(): Set<string> {
    return new Set(this.pending().map((p) => p.conversationId));
  }

  add(conversationId: string, text: string, replyTo?: string, attachmentIds: readonly string[] = []): void {
    const pending: PendingMessage = {
      clientMsgId: crypto.randomUUID(),
      conversationId,
      text,
      ...(replyTo ? { replyTo } : {}),
      ...(attachmentIds.length ? { attachmentIds } : {}),
      createdAt: new Date().toISOString(),
      state: 'sending',
      error: null,
    };
    this.pending.update((list) => [...list, pending]);
    void this.flush(conversationId);
  }

  /** Tries a failed message again, with the same clientMsgId (the server stores it at most once). */
  retry(clientMsgId: string): void {
    const p = this.pending().find((x) => x.clientMsgId === clientMsgId);
    if (!p) return;
    this.patch(clientMsgId, { state: 'sending', error: null });
    void this.flush(p.conversationId);
  }

  discard(clientMsgId: string): void {
    this.pending.update((list) => list.filter((p) => p.clientMsgId !== clientMsgId));
  }

  /** The server has these of the user's messages: they are no longer pending. */
  settled(conversationId: string, clientMsgIds: ReadonlySet<string>): void {
    if (clientMsgIds.size === 0) return;
    this.pending.update((list) => list.filter((p) => p.conversationId !== conversationId || !clientMsgIds.has(p.clientMsgId)));
  }

  dropConversation(conversationId: string): void {
    this.pending.update((list) => list.filter((p) => p.conversationId !== conversationId));
  }

  /** After a handshake: resume every conversation's queue. */
  resume(): void {
    for (const id of this.conversationIds()) void this.flush(id);
  }

  /** Signed out: nothing of this user stays in memory or in the browser. */
  reset(): void {
    if (this.storageKey) writeStored(this.storageKey, null);
    this.storageKey = null;
    this.pending.set([]);
  }

  /**
   * Sends a conversation's pending messages one at a time, in order. A timeout
   * or a lost connection keeps the message pending; it goes again with the same
   * clientMsgId, right away while connected, or after the next handshake.
   */
  private async flush(conversationId: string): Promise<void> {
    if (this.flushing.has(conversationId)) return;
    this.flushing.add(conversationId);
    const attempts = new Map<string, number>();
    try {
      for (;;) {
        const next = this.pending().find((p) => p.conversationId === conversationId && p.state === 'sending');
        if (!next || !this.socket.connected) return;
        try {
          const { message } = await this.socket.request('message:send', {
            conversationId,
            text: next.text,
            clientMsgId: next.clientMsgId,
            ...(next.replyTo ? { replyTo: next.replyTo } : {}),
            ...(next.attachmentIds?.length ? { attachmentIds: [...next.attachmentIds] } : {}),
          });
          this.discard(message.clientMsgId);
          this.delivered(message);
        } catch (err) {
          const e = err instanceof ApiError ? err : new ApiError('INTERNAL', 'unexpected error');
          const n = (attempts.get(next.clientMsgId) ?? 0) + 1;
          attempts.set(next.clientMsgId, n);
          if ((e.transport || e.code === 'RATE_LIMITED' || e.code === 'UNAVAILABLE') && n < SEND_ATTEMPTS) {
            await delay(Math.min(500 * 2 ** n, 8000));
            continue;
          }
          this.patch(next.clientMsgId, { state: 'failed', error: e.transport ? 'No answer from the server.' : describeError(e) });
        }
      }
    } finally {
      this.flushing.delete(conversationId);
    }
  }

  private patch(clientMsgId: string, patch: Partial<PendingMessage>): void {
    this.pending.update((list) => list.map((p) => (p.clientMsgId === clientMsgId ? { ...p, ...patch } : p)));
  }
}
