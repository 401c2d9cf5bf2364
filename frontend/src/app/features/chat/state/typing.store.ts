import { Injectable, inject, signal } from '@angular/core';
import { LIMITS, type PushPayload } from '@chat/contracts';
import { ChatSocket } from '../../../core/socket/socket.service';
import { PeopleStore } from './people.store';

/** Someone else's typing is forgotten this long after their last signal, even if the server's `false` is lost. */
const TYPING_TTL_MS = LIMITS.typingTtlMs + 1000;
/** Re-announce typing this often while the user types. */
const TYPING_RENEW_MS = 3000;
/** Stop announcing typing after this long without a keystroke. */
const TYPING_IDLE_MS = 4000;

/** Who is typing where (others, from pushes) and the user's own typing announcements. */
@Injectable({ providedIn: 'root' })
export class TypingStore {
  private readonly socket = inject(ChatSocket);
  private readonly people = inject(PeopleStore);
  /** conversationId → userId → when their typing lapses (ms). */
  private readonly typing = signal<ReadonlyMap<string, ReadonlyMap<string, number>>>(new Map());
  private readonly sent = new Map<string, { at: number; idle: ReturnType<typeof setTimeout> }>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** Names of the others typing in a conversation now. */
  typingIn(id: string): string[] {
    const now = Date.now();
    return [...(this.typing().get(id)?.entries() ?? [])].filter(([, until]) => until > now).map(([uid]) => this.people.userName(uid));
  }

  onPush(p: PushPayload<'typing'>): void {
    if (p.userId === this.people.me()?.id) return;
    if (!p.typing) {
      this.clear(p.conversationId, p.userId);
      return;
    }
    this.typing.update((all) => {
      const next = new Map(all);
      next.set(p.conversationId, new Map(all.get(p.conversationId) ?? []).set(p.userId, Date.now() + TYPING_TTL_MS));
      return next;
    });
    this.scheduleExpiry();
  }

  clear(conversationId: string, userId: string): void {
    if (!this.typing().get(conversationId)?.has(userId)) return;
    this.typing.update((all) => {
      const inner = new Map(all.get(conversationId) ?? []);
      inner.delete(userId);
      const next = new Map(all);
      if (inner.size) next.set(conversationId, inner);
      else next.delete(conversationId);
      return next;
    });
  }

  /** The user typed in a conversation's composer. */
  typed(conversationId: string, text: string): void {
    if (!text.trim()) {
      this.stop(conversationId);
      return;
    }
    const now = Date.now();
    const sent = this.sent.get(conversationId);
    if (sent) clearTimeout(sent.idle);
    const idle = setTimeout(() => this.stop(conversationId), TYPING_IDLE_MS);
    if (!sent || now - sent.at >= TYPING_RENEW_MS) {
      this.socket.notify('typing', { conversationId, typing: true });
      this.sent.set(conversationId, { at: now, idle });
    } else {
      this.sent.set(conversationId, { at: sent.at, idle });
    }
  }

  stop(conversationId: string): void {
    const sent = this.sent.get(conversationId);
    if (!sent) return;
    clearTimeout(sent.idle);
    this.sent.delete(conversationId);
    this.socket.notify('typing', { conversationId, typing: false });
  }

  reset(): void {
    this.typing.set(new Map());
    for (const t of this.sent.values()) clearTimeout(t.idle);
    this.sent.clear();
  }

  /** Drops lapsed entries at the next expiry (the server's `false` may never come). */
  private scheduleExpiry(): void {
    if (this.timer) clearTimeout(this.timer);
    let soonest = Infinity;
    for (const inner of this.typing().values()) for (const until of inner.values()) soonest = Math.min(soonest, until);
    if (soonest === Infinity) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const now = Date.now();
      this.typing.update((all) => {
        const next = new Map<string, ReadonlyMap<string, number>>();
        for (const [cid, inner] of all) {
          const kept = new Map([...inner].filter(([, until]) => until > now));
          if (kept.size) next.set(cid, kept);
        }
        return next;
      });
      this.scheduleExpiry();
    }, Math.max(50, soonest - Date.now() + 10));
  }
}
