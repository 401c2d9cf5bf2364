import { Injectable, signal } from '@angular/core';
import type { Conversation, Message } from '@chat/contracts';
import { readStored, writeStored } from './browser-storage';

export type NotificationPermissionState = NotificationPermission | 'unsupported';

const supported = () => typeof window !== 'undefined' && 'Notification' in window;

/**
 * System notifications (the Notification API) for messages that arrive while
 * the tab is hidden or another conversation is open: direct messages,
 * mentions of the user, and every message of the groups the user chose (kept
 * in this browser); a muted conversation stays silent unless the user is
 * mentioned. Permission is only ever asked from a user action (`enable`).
 */
@Injectable({ providedIn: 'root' })
export class NotificationsStore {
  private readonly _permission = signal<NotificationPermissionState>(supported() ? Notification.permission : 'unsupported');
  readonly permission = this._permission.asReadonly();
  /** Called with the conversation of a clicked notification. */
  opened: (conversationId: string) => void = () => undefined;
  /** Groups whose every message notifies. */
  private readonly every = signal<ReadonlySet<string>>(new Set());
  private storageKey: string | null = null;

  restore(userId: string): void {
    this.storageKey = `chat.notify-every.v1.${userId}`;
    const saved = readStored<unknown>(this.storageKey, []);
    this.every.set(new Set(Array.isArray(saved) ? saved.filter((x): x is string => typeof x === 'string') : []));
  }

  notifiesEvery(conversationId: string): boolean {
    return this.every().has(conversationId);
  }

  setEvery(conversationId: string, on: boolean): void {
    const next = new Set(this.every());
    if (on) next.add(conversationId);
    else next.delete(conversationId);
    this.every.set(next);
    if (this.storageKey) writeStored(this.storageKey, [...next]);
  }

  reset(): void {
    if (this.storageKey) writeStored(this.storageKey, null);
    this.storageKey = null;
    this.every.set(new Set());
  }

  /** Must run inside a click handler: browsers refuse (or mute) requests that no user action started. */
  async enable(): Promise<void> {
    if (!supported()) return;
    this._permission.set(await Notification.requestPermission());
  }

  /** Whether a message from someone else deserves a system notification. */
  static wanted(conv: Pick<Conversation, 'type' | 'muted'>, mentioned: boolean, every: boolean): boolean {
    if (mentioned) return true;
    return !conv.muted && (conv.type === 'direct' || every);
  }

  onMessage(conv: Conversation, message: Message, title: string, senderName: string, mentioned: boolean): void {
    if (!supported() || Notification.permission !== 'granted' || !NotificationsStore.wanted(conv, mentioned, this.notifiesEvery(conv.id))) return;
    const body = message.text.length > 140 ? `${message.text.slice(0, 140)}…` : message.text;
    const n = new Notification(conv.type === 'group' ? `${senderName} in ${title}` : senderName, {
      body: mentioned ? `mentioned you: ${body}` : body,
      tag: `chat-${message.id}`,
    });
    n.onclick = () => {
      window.focus();
      this.opened(conv.id);
      n.close();
    };
  }
}
