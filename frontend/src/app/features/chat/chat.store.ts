import { Injectable, computed, inject, signal } from '@angular/core';
import {
  LIMITS,
  codePointLength,
  type Contact,
  type Conversation,
  type Message,
  type PushPayload,
  type RemovedReason,
  type Role,
  type User,
} from '@chat/contracts';
import { ApiError, describeError } from '../../core/api-error';
import { AuthStore } from '../../core/auth/auth.store';
import { ChatSocket } from '../../core/socket/socket.service';
import { EMPTY_TIMELINE, contiguousTop, mergeMessages, replaceMessage, type Timeline } from './timeline';

export interface PendingMessage {
  readonly clientMsgId: string;
  readonly conversationId: string;
  readonly text: string;
  readonly createdAt: string;
  /** sending: waiting for the ack (retried with the same clientMsgId); failed: the server refused it or gave up. */
  readonly state: 'sending' | 'failed';
  readonly error: string | null;
}

export interface Presence {
  readonly online: boolean;
  readonly lastSeenAt: string | null;
}

export interface Notice {
  readonly id: number;
  readonly text: string;
}

/** How many messages one history page asks for. */
const PAGE = LIMITS.historyLimitDefault;
/** A catch-up this far behind reloads the newest page instead (older ones load on scroll). */
const CATCH_UP_RESET = 500;
/** Someone else's typing is forgotten this long after their last signal, even if the server's `false` is lost. */
const TYPING_TTL_MS = LIMITS.typingTtlMs + 1000;
/** Re-announce typing this often while the user types. */
const TYPING_RENEW_MS = 3000;
/** Stop announcing typing after this long without a keystroke. */
const TYPING_IDLE_MS = 4000;
/** Sends that time out are retried (same clientMsgId) this many times before the user is asked. */
const SEND_ATTEMPTS = 6;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function byUpdatedDesc(a: Conversation, b: Conversation): number {
  return a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : a.id < b.id ? -1 : 1;
}

function later(a: string, b: string): string {
  return a >= b ? a : b;
}

/**
 * The chat feature's state: conversations, the message windows this tab holds,
 * messages on their way, people and their presence, typing and read receipts.
 * Components render its signals and call its methods; it talks to the server
 * only through ChatSocket.
 */
@Injectable({ providedIn: 'root' })
export class ChatStore {
  private readonly socket = inject(ChatSocket);
  private readonly auth = inject(AuthStore);

  private readonly _conversations = signal<ReadonlyMap<string, Conversation>>(new Map());
  private readonly _timelines = signal<ReadonlyMap<string, Timeline>>(new Map());
  private readonly _pending = signal<readonly PendingMessage[]>([]);
  private readonly _users = signal<ReadonlyMap<string, User>>(new Map());
  private readonly _presence = signal<ReadonlyMap<string, Presence>>(new Map());
  /** conversationId → userId → when their typing lapses (ms). */
  private readonly _typing = signal<ReadonlyMap<string, ReadonlyMap<string, number>>>(new Map());
  /** conversationId → userId → highest seq they have read (from read:update). */
  private readonly _reads = signal<ReadonlyMap<string, ReadonlyMap<string, number>>>(new Map());
  private readonly _drafts = signal<ReadonlyMap<string, string>>(new Map());
  private readonly _listLoaded = signal(false);
  private readonly _notice = signal<Notice | null>(null);
  private readonly _listError = signal<string | null>(null);

  /** The conversation on screen, set by the conversation pane. */
  readonly activeId = signal<string | null>(null);
  readonly connection = this.socket.state;
  readonly listLoaded = this._listLoaded.asReadonly();
  readonly notice = this._notice.asReadonly();
  /** Why the conversation list could not be loaded (it is being retried), or null. */
  readonly listError = this._listError.asReadonly();
  readonly me = computed(() => this.auth.user());
  /** Newest activity first. */
  readonly conversations = computed(() => [...this._conversations().values()].sort(byUpdatedDesc));
  readonly totalUnread = computed(() => this.conversations().reduce((n, c) => n + c.unread, 0));

  private started = false;
  private syncFailures = 0;
  private noticeSeq = 0;
  private readonly catchingUp = new Map<string, Promise<void>>();
  private readonly catchUpAgain = new Set<string>();
  private readonly flushing = new Set<string>();
  private readonly readSent = new Map<string, number>();
  private readonly askedForUsers = new Set<string>();
  private readonly typingSent = new Map<string, { at: number; idle: ReturnType<typeof setTimeout> }>();
  private typingTimer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    const s = this.socket;
    s.onConnect(() => void this.sync());
    s.on('message:new', (p) => this.onMessageNew(p.message));
    s.on('message:updated', (p) => this.onMessageUpdated(p.message));
    s.on('conversation:updated', (p) => this.upsertConversation(p.conversation));
    s.on('conversation:removed', (p) => this.onRemoved(p.conversationId, p.reason));
    s.on('presence:update', (p) => this.setPresence(p.userId, { online: p.online, lastSeenAt: p.lastSeenAt }));
    s.on('typing', (p) => this.onTyping(p));
    s.on('read:update', (p) => this.onRead(p));
    if (typeof document !== 'undefined') {
      document.addEventListener('visibilitychange', () => {
        const id = this.activeId();
        if (id && document.visibilityState === 'visible') this.markRead(id);
      });
    }
  }

  // ---- lifecycle ----------------------------------------------------------

  /** Connects and loads everything; safe to call again. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.socket.connect();
  }

  /** Signed out: drop the connection and everything this user saw. */
  stop(): void {
    this.started = false;
    this.socket.stop();
    this._conversations.set(new Map());
    this._timelines.set(new Map());
    this._pending.set([]);
    this._users.set(new Map());
    this._presence.set(new Map());
    this._typing.set(new Map());
    this._reads.set(new Map());
    this._drafts.set(new Map());
    this._listLoaded.set(false);
    this._listError.set(null);
    this.syncFailures = 0;
    this.activeId.set(null);
    this.readSent.clear();
    this.askedForUsers.clear();
    for (const t of this.typingSent.values()) clearTimeout(t.idle);
    this.typingSent.clear();
  }

  /**
   * After every handshake: resume unsent messages, reload the list, and catch
   * every held window up from its last contiguous seq, so nothing sent while
   * we were away is missing and nothing is doubled.
   */
  private async sync(): Promise<void> {
    for (const id of new Set(this._pending().map((p) => p.conversationId))) void this.flush(id);
    try {
      const [{ contacts }, { conversations }] = await Promise.all([
        // Contacts only add names and presence: the chat works without them.
        this.socket.request('contact:list', {}).catch(() => ({ contacts: [] })),
        this.socket.request('conversation:list', {}),
      ]);
      this.absorbContacts(contacts);
      this.replaceConversations(conversations);
      this._listLoaded.set(true);
      this.ensureKnown(conversations.flatMap((c) => c.members.map((m) => m.userId)));
      const active = this.activeId();
      const work = [...this._timelines().entries()].map(([id, tl]) => (tl.loaded ? this.catchUp(id) : this.loadNewest(id)));
      // The open conversation's first page may have failed while offline.
      if (active && !this._timelines().has(active) && this._conversations().has(active)) work.push(this.loadNewest(active));
      await Promise.all(work);
      if (active) this.markRead(active);
      this.syncFailures = 0;
      this._listError.set(null);
    } catch (err) {
      // The list is what everything else hangs on: try again while connected (a lost
      // connection syncs again on its own reconnect).
      this._listError.set(describeError(err));
      const wait = Math.min(2000 * 2 ** this.syncFailures++, 30_000);
      setTimeout(() => {
        if (this.started && this.socket.connected) void this.sync();
      }, wait);
    }
  }

  // ---- reading state ------------------------------------------------------

  conversation(id: string): Conversation | undefined {
    return this._conversations().get(id);
  }

  timeline(id: string): Timeline | undefined {
    return this._timelines().get(id);
  }

  pendingIn(id: string): PendingMessage[] {
    return this._pending().filter((p) => p.conversationId === id);
  }

  user(id: string): User | undefined {
    const me = this.me();
    return me && me.id === id ? me : this._users().get(id);
  }

  userName(id: string): string {
    return this.user(id)?.displayName ?? 'Unknown user';
  }

  presence(userId: string): Presence | undefined {
    return this._presence().get(userId);
  }

  /** The other member of a direct conversation. */
  peerId(conversation: Conversation): string | null {
    if (conversation.type !== 'direct') return null;
    const me = this.me()?.id;
    return conversation.members.find((m) => m.userId !== me)?.userId ?? null;
  }

  title(conversation: Conversation): string {
    if (conversation.type === 'group') return conversation.name ?? 'Group';
    const peer = this.peerId(conversation);
    return peer ? this.userName(peer) : 'Direct conversation';
  }

  myRole(conversation: Conversation): Role | null {
    const me = this.me()?.id;
    return conversation.members.find((m) => m.userId === me)?.role ?? null;
  }

  /** Names of the others typing in a conversation now. */
  typingIn(id: string): string[] {
    const now = Date.now();
    return [...(this._typing().get(id)?.entries() ?? [])].filter(([, until]) => until > now).map(([uid]) => this.userName(uid));
  }

  /** The other members who have read up to at least `seq`. */
  readersOf(conversationId: string, seq: number): string[] {
    const me = this.me()?.id;
    return [...(this._reads().get(conversationId)?.entries() ?? [])]
      .filter(([uid, s]) => uid !== me && s >= seq)
      .map(([uid]) => uid);
  }

  draft(id: string): string {
    return this._drafts().get(id) ?? '';
  }

  setDraft(id: string, text: string): void {
    this._drafts.update((m) => {
      const next = new Map(m);
      if (text) next.set(id, text);
      else next.delete(id);
      return next;
    });
  }

  // ---- conversations ------------------------------------------------------

  /** Shows a conversation: loads its newest page the first time, and marks it read. */
  open(id: string): void {
    this.activeId.set(id);
    if (!this._timelines().has(id)) void this.loadNewest(id);
    else this.markRead(id);
  }

  close(id: string): void {
    if (this.activeId() === id) this.activeId.set(null);
    this.stopTyping(id);
  }

  async loadOlder(id: string): Promise<void> {
    const tl = this._timelines().get(id);
    if (!tl || !tl.loaded || tl.loading || !tl.hasOlder || tl.messages.length === 0) return;
    this.patchTimeline(id, { loading: true });
    try {
      const page = await this.socket.request('message:history', { conversationId: id, beforeSeq: tl.messages[0].seq, limit: PAGE });
      this.absorbMessages(id, page.messages);
      const floor = page.messages.length ? page.messages[0].seq - 1 : 0;
      this.patchTimeline(id, { hasOlder: page.hasMore && page.messages.length > 0, loading: false, floor });
    } catch (err) {
      this.patchTimeline(id, { loading: false });
      this.say(describeError(err));
    }
  }

  private async loadNewest(id: string): Promise<void> {
    this._timelines.update((m) => new Map(m).set(id, { ...(m.get(id) ?? EMPTY_TIMELINE), loading: true }));
    try {
      await this.takeNewestPage(id);
      // Pushes that came while the page was on its way may have left a hole.
      const tl = this._timelines().get(id);
      const conv = this._conversations().get(id);
      if (tl && conv && contiguousTop(tl.messages, tl.floor) < Math.max(conv.lastSeq, tl.messages.at(-1)?.seq ?? 0)) {
        await this.catchUp(id);
      }
      if (this.activeId() === id) this.markRead(id);
    } catch (err) {
      // Forget the window so that the next open or reconnect tries again.
      this._timelines.update((m) => {
        const next = new Map(m);
        next.delete(id);
        return next;
      });
      if (!(err instanceof ApiError && err.transport)) this.say(describeError(err));
    }
  }

  private async takeNewestPage(id: string): Promise<void> {
    const page = await this.socket.request('message:history', { conversationId: id, limit: PAGE });
    this.absorbMessages(id, page.messages);
    // An empty newest page means the conversation had no message at all when it was read.
    const floor = page.messages.length ? page.messages[0].seq - 1 : 0;
    this.patchTimeline(id, { hasOlder: page.hasMore && page.messages.length > 0, loading: false, loaded: true, floor });
  }

  /**
   * Fetches everything above the window's last contiguous seq (`afterSeq`),
   * page by page while `hasMore`. Calls during a run make it go round again.
   */
  catchUp(id: string): Promise<void> {
    const running = this.catchingUp.get(id);
    if (running) {
      this.catchUpAgain.add(id);
      return running;
    }
    const run = (async () => {
      do {
        this.catchUpAgain.delete(id);
        for (;;) {
          const tl = this._timelines().get(id);
          if (!tl) return;
          const top = contiguousTop(tl.messages, tl.floor);
          const conv = this._conversations().get(id);
          if (conv && conv.lastSeq - top > CATCH_UP_RESET) {
            // Far behind: start over from the newest page rather than replay it all.
            this._timelines.update((m) => new Map(m).set(id, { ...EMPTY_TIMELINE }));
            await this.takeNewestPage(id);
            continue;
          }
          const page = await this.socket.request('message:history', {
            conversationId: id,
            afterSeq: top,
            limit: LIMITS.historyLimitMax,
          });
          this.absorbMessages(id, page.messages);
          if (!page.hasMore || page.messages.length === 0) break;
        }
      } while (this.catchUpAgain.has(id));
    })()
      .catch((err: unknown) => {
        if (!(err instanceof ApiError && err.transport)) this.say(describeError(err));
      })
      .finally(() => this.catchingUp.delete(id));
    this.catchingUp.set(id, run);
    return run;
  }

  /** Moves the read marker to the newest message (only when something is unread or unsent as read). */
  markRead(id: string): void {
    const conv = this._conversations().get(id);
    if (!conv || conv.lastSeq === 0) return;
    if ((this.readSent.get(id) ?? 0) >= conv.lastSeq && conv.unread === 0) return;
    if (!this.socket.connected) return;
    this.readSent.set(id, conv.lastSeq);
    this.patchConversation(id, { unread: 0 });
    this.socket.request('conversation:read', { conversationId: id, seq: conv.lastSeq }).catch(() => this.readSent.delete(id));
  }

  // ---- sending ------------------------------------------------------------

  /** Queues a message; it shows as pending until its ack (or its own message:new) arrives. */
  send(conversationId: string, raw: string): string | null {
    const text = raw.trim();
    if (!text) return 'Type a message first.';
    if (codePointLength(text) > LIMITS.textMax) return `A message can be at most ${LIMITS.textMax} characters.`;
    const pending: PendingMessage = {
      clientMsgId: crypto.randomUUID(),
      conversationId,
      text,
      createdAt: new Date().toISOString(),
      state: 'sending',
      error: null,
    };
    this._pending.update((list) => [...list, pending]);
    this.setDraft(conversationId, '');
    this.stopTyping(conversationId);
    void this.flush(conversationId);
    return null;
  }

  /** Tries a failed message again, with the same clientMsgId (the server stores it at most once). */
  retry(clientMsgId: string): void {
    const p = this._pending().find((x) => x.clientMsgId === clientMsgId);
    if (!p) return;
    this.patchPending(clientMsgId, { state: 'sending', error: null });
    void this.flush(p.conversationId);
  }

  discard(clientMsgId: string): void {
    this._pending.update((list) => list.filter((p) => p.clientMsgId !== clientMsgId));
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
        const next = this._pending().find((p) => p.conversationId === conversationId && p.state === 'sending');
        if (!next || !this.socket.connected) return;
        try {
          const { message } = await this.socket.request('message:send', {
            conversationId,
            text: next.text,
            clientMsgId: next.clientMsgId,
          });
          this.onMessageNew(message);
        } catch (err) {
          const e = err instanceof ApiError ? err : new ApiError('INTERNAL', 'unexpected error');
          const n = (attempts.get(next.clientMsgId) ?? 0) + 1;
          attempts.set(next.clientMsgId, n);
          if ((e.transport || e.code === 'RATE_LIMITED' || e.code === 'UNAVAILABLE') && n < SEND_ATTEMPTS) {
            await delay(Math.min(500 * 2 ** n, 8000));
            continue;
          }
          this.patchPending(next.clientMsgId, { state: 'failed', error: e.transport ? 'No answer from the server.' : describeError(e) });
        }
      }
    } finally {
      this.flushing.delete(conversationId);
    }
  }

  // ---- messages -----------------------------------------------------------

  async edit(messageId: string, text: string): Promise<void> {
    const { message } = await this.socket.request('message:edit', { messageId, text });
    this.onMessageUpdated(message);
  }

  async remove(messageId: string): Promise<void> {
    const { message } = await this.socket.request('message:delete', { messageId });
    this.onMessageUpdated(message);
  }

  /** May the signed-in user delete this message (theirs, or as a group admin or owner)? */
  canDelete(conversation: Conversation, message: Message): boolean {
    if (message.deletedAt) return false;
    if (message.senderId === this.me()?.id) return true;
    const role = this.myRole(conversation);
    return conversation.type === 'group' && (role === 'admin' || role === 'owner');
  }

  // ---- typing -------------------------------------------------------------

  /** The user typed in a conversation's composer. */
  typed(conversationId: string, text: string): void {
    if (!text.trim()) {
      this.stopTyping(conversationId);
      return;
    }
    const now = Date.now();
    const sent = this.typingSent.get(conversationId);
    if (sent) clearTimeout(sent.idle);
    const idle = setTimeout(() => this.stopTyping(conversationId), TYPING_IDLE_MS);
    if (!sent || now - sent.at >= TYPING_RENEW_MS) {
      this.socket.notify('typing', { conversationId, typing: true });
      this.typingSent.set(conversationId, { at: now, idle });
    } else {
      this.typingSent.set(conversationId, { at: sent.at, idle });
    }
  }

  stopTyping(conversationId: string): void {
    const sent = this.typingSent.get(conversationId);
    if (!sent) return;
    clearTimeout(sent.idle);
    this.typingSent.delete(conversationId);
    this.socket.notify('typing', { conversationId, typing: false });
  }

  // ---- people -------------------------------------------------------------

  async searchUsers(query: string): Promise<User[]> {
    const q = query.trim().slice(0, LIMITS.searchQueryMax);
    if (!q) return [];
    const { users } = await this.socket.request('user:search', { query: q, limit: 20 });
    this.absorbUsers(users);
    return users;
  }

  /** Opens (or makes) the direct conversation with a user (who becomes a contact, see ensureKnown). */
  async startDirect(userId: string): Promise<Conversation> {
    const { conversation } = await this.socket.request('conversation:direct', { userId });
    this.upsertConversation(conversation);
    return conversation;
  }

  /**
   * Names and presence (online, last seen) of everyone the user shares a
   * conversation with and this tab does not know yet, through the `user:get`
   * extension (up to 100 ids a request); presence:update pushes keep them
   * current from then on. Nobody is added to the contacts for it.
   */
  private ensureKnown(userIds: readonly string[]): void {
    const me = this.me()?.id;
    const users = this._users();
    const presence = this._presence();
    const unknown = [...new Set(userIds)].filter(
      (id) => id !== me && !(users.has(id) && presence.has(id)) && !this.askedForUsers.has(id),
    );
    if (unknown.length === 0) return;
    for (const id of unknown) this.askedForUsers.add(id);
    void (async () => {
      for (let i = 0; i < unknown.length && i < 1000; i += LIMITS.userGetMax) {
        const { users } = await this.socket.request('user:get', { userIds: unknown.slice(i, i + LIMITS.userGetMax) });
        this.absorbContacts(users);
      }
    })().catch(() => {
      for (const id of unknown) this.askedForUsers.delete(id);
    });
  }

  // ---- groups -------------------------------------------------------------

  async createGroup(name: string, memberIds: string[]): Promise<Conversation> {
    const { conversation } = await this.socket.request('group:create', { name, memberIds });
    this.upsertConversation(conversation);
    return conversation;
  }

  async rename(conversationId: string, name: string): Promise<void> {
    const { conversation } = await this.socket.request('group:rename', { conversationId, name });
    this.upsertConversation(conversation);
  }

  async addMembers(conversationId: string, userIds: string[]): Promise<void> {
    const { conversation } = await this.socket.request('group:addMembers', { conversationId, userIds });
    this.upsertConversation(conversation);
  }

  async removeMember(conversationId: string, userId: string): Promise<void> {
    const { conversation } = await this.socket.request('group:removeMember', { conversationId, userId });
    this.upsertConversation(conversation);
  }

  async setRole(conversationId: string, userId: string, role: 'admin' | 'member'): Promise<void> {
    const { conversation } = await this.socket.request('group:setRole', { conversationId, userId, role });
    this.upsertConversation(conversation);
  }

  async leave(conversationId: string): Promise<void> {
    await this.socket.request('group:leave', { conversationId });
    this.forget(conversationId);
  }

  async deleteGroup(conversationId: string): Promise<void> {
    await this.socket.request('group:delete', { conversationId });
    this.forget(conversationId);
  }

  // ---- pushes -------------------------------------------------------------

  private onMessageNew(message: Message): void {
    const id = message.conversationId;
    const mine = message.senderId === this.me()?.id;
    if (mine) this.discard(message.clientMsgId);
    const conv = this._conversations().get(id);
    if (!conv) {
      // A conversation this tab has not heard of yet (its conversation:updated may be behind).
      void this.reloadList();
      return;
    }
    const fresh = message.seq > conv.lastSeq;
    this.summarize(id, [message]);
    if (fresh && !mine) {
      if (this.isReading(id)) this.markRead(id);
      else this.patchConversation(id, { unread: (this._conversations().get(id)?.unread ?? 0) + 1 });
    }
    if (!mine) this.clearTyping(id, message.senderId);
    const tl = this._timelines().get(id);
    if (tl) {
      const top = contiguousTop(tl.messages, tl.floor);
      this.patchTimeline(id, { messages: mergeMessages(tl.messages, [message]) });
      // A hole below this message: fetch what is missing (the guarantee of `seq`).
      if (tl.loaded && message.seq > top + 1) void this.catchUp(id);
    }
  }

  private onMessageUpdated(message: Message): void {
    const id = message.conversationId;
    const tl = this._timelines().get(id);
    if (tl) this.patchTimeline(id, { messages: replaceMessage(tl.messages, message) });
    const conv = this._conversations().get(id);
    if (conv?.lastMessage && conv.lastMessage.seq === message.seq) this.patchConversation(id, { lastMessage: message });
  }

  private onRemoved(conversationId: string, reason: RemovedReason): void {
    const conv = this._conversations().get(conversationId);
    if (!conv) return;
    const title = this.title(conv);
    this.forget(conversationId);
    if (reason === 'removed') this.say(`You were removed from ${title}.`);
    else if (reason === 'deleted') this.say(`${title} was deleted.`);
  }

  private onTyping(p: PushPayload<'typing'>): void {
    if (p.userId === this.me()?.id) return;
    if (!p.typing) {
      this.clearTyping(p.conversationId, p.userId);
      return;
    }
    this._typing.update((all) => {
      const next = new Map(all);
      next.set(p.conversationId, new Map(all.get(p.conversationId) ?? []).set(p.userId, Date.now() + TYPING_TTL_MS));
      return next;
    });
    this.scheduleTypingExpiry();
  }

  private onRead(p: PushPayload<'read:update'>): void {
    if (p.userId === this.me()?.id) {
      // Read in another tab (or device): unread follows.
      const conv = this._conversations().get(p.conversationId);
      if (!conv) return;
      this.readSent.set(p.conversationId, Math.max(this.readSent.get(p.conversationId) ?? 0, p.seq));
      let unread = conv.unread;
      if (p.seq >= conv.lastSeq) unread = 0;
      else {
        const tl = this._timelines().get(p.conversationId);
        if (tl && tl.messages.length && tl.messages[0].seq <= p.seq + 1) {
          const me = this.me()?.id;
          unread = tl.messages.filter((m) => m.seq > p.seq && m.senderId !== me).length;
        } else unread = Math.min(unread, conv.lastSeq - p.seq);
      }
      if (unread !== conv.unread) this.patchConversation(p.conversationId, { unread });
      return;
    }
    this._reads.update((all) => {
      const prior = all.get(p.conversationId)?.get(p.userId) ?? 0;
      if (prior >= p.seq) return all;
      const next = new Map(all);
      next.set(p.conversationId, new Map(all.get(p.conversationId) ?? []).set(p.userId, p.seq));
      return next;
    });
  }

  // ---- helpers ------------------------------------------------------------

  private isReading(id: string): boolean {
    return this.activeId() === id && (typeof document === 'undefined' || document.visibilityState === 'visible');
  }

  private async reloadList(): Promise<void> {
    try {
      const { conversations } = await this.socket.request('conversation:list', {});
      this.replaceConversations(conversations);
      this.ensureKnown(conversations.flatMap((c) => c.members.map((m) => m.userId)));
    } catch {
      /* the next sync will bring it */
    }
  }

  /** A fresh list from the server; what this tab knows to be newer (pushes in flight) is kept. */
  private replaceConversations(list: readonly Conversation[]): void {
    const held = this._conversations();
    const next = new Map<string, Conversation>();
    for (const c of list) next.set(c.id, mergeConversation(held.get(c.id), c));
    for (const id of held.keys()) if (!next.has(id)) this.dropWindow(id);
    this._conversations.set(next);
  }

  private upsertConversation(conversation: Conversation): void {
    this._conversations.update((m) => new Map(m).set(conversation.id, mergeConversation(m.get(conversation.id), conversation)));
    this.ensureKnown(conversation.members.map((m) => m.userId));
  }

  private forget(conversationId: string): void {
    if (!this._conversations().has(conversationId)) return;
    this._conversations.update((m) => {
      const next = new Map(m);
      next.delete(conversationId);
      return next;
    });
    this.dropWindow(conversationId);
  }

  private dropWindow(conversationId: string): void {
    this._timelines.update((m) => {
      if (!m.has(conversationId)) return m;
      const next = new Map(m);
      next.delete(conversationId);
      return next;
    });
    this._pending.update((list) => list.filter((p) => p.conversationId !== conversationId));
    this.setDraft(conversationId, '');
    this.readSent.delete(conversationId);
  }

  private absorbMessages(id: string, messages: readonly Message[]): void {
    if (messages.length === 0) return;
    const me = this.me()?.id;
    const mineIds = new Set(messages.filter((m) => m.senderId === me).map((m) => m.clientMsgId));
    if (mineIds.size) this._pending.update((list) => list.filter((p) => p.conversationId !== id || !mineIds.has(p.clientMsgId)));
    const tl = this._timelines().get(id);
    if (tl) this.patchTimeline(id, { messages: mergeMessages(tl.messages, messages) });
    this.summarize(id, messages);
  }

  /** Keeps a conversation's lastSeq, lastMessage and updatedAt in step with the messages seen. */
  private summarize(id: string, messages: readonly Message[]): void {
    const conv = this._conversations().get(id);
    if (!conv) return;
    let { lastSeq, lastMessage, updatedAt } = conv;
    for (const m of messages) {
      lastSeq = Math.max(lastSeq, m.seq);
      if (!lastMessage || m.seq > lastMessage.seq) lastMessage = m;
      else if (m.seq === lastMessage.seq) lastMessage = m;
      updatedAt = later(updatedAt, m.createdAt);
    }
    if (lastSeq !== conv.lastSeq || lastMessage !== conv.lastMessage || updatedAt !== conv.updatedAt) {
      this.patchConversation(id, { lastSeq, lastMessage, updatedAt });
    }
  }

  private absorbContacts(contacts: readonly Contact[]): void {
    this.absorbUsers(contacts);
    this._presence.update((m) => {
      const next = new Map(m);
      for (const c of contacts) next.set(c.id, { online: c.online, lastSeenAt: c.lastSeenAt });
      return next;
    });
  }

  private absorbUsers(users: readonly User[]): void {
    if (users.length === 0) return;
    this._users.update((m) => {
      const next = new Map(m);
      for (const u of users) next.set(u.id, { id: u.id, username: u.username, displayName: u.displayName });
      return next;
    });
  }

  private setPresence(userId: string, presence: Presence): void {
    this._presence.update((m) => new Map(m).set(userId, presence));
  }

  private clearTyping(conversationId: string, userId: string): void {
    if (!this._typing().get(conversationId)?.has(userId)) return;
    this._typing.update((all) => {
      const inner = new Map(all.get(conversationId) ?? []);
      inner.delete(userId);
      const next = new Map(all);
      if (inner.size) next.set(conversationId, inner);
      else next.delete(conversationId);
      return next;
    });
  }

  /** Drops lapsed typing entries at the next expiry (the server's `false` may never come). */
  private scheduleTypingExpiry(): void {
    if (this.typingTimer) clearTimeout(this.typingTimer);
    let soonest = Infinity;
    for (const inner of this._typing().values()) for (const until of inner.values()) soonest = Math.min(soonest, until);
    if (soonest === Infinity) return;
    this.typingTimer = setTimeout(() => {
      this.typingTimer = null;
      const now = Date.now();
      this._typing.update((all) => {
        const next = new Map<string, ReadonlyMap<string, number>>();
        for (const [cid, inner] of all) {
          const kept = new Map([...inner].filter(([, until]) => until > now));
          if (kept.size) next.set(cid, kept);
        }
        return next;
      });
      this.scheduleTypingExpiry();
    }, Math.max(50, soonest - Date.now() + 10));
  }

  private patchConversation(id: string, patch: Partial<Conversation>): void {
    this._conversations.update((m) => {
      const conv = m.get(id);
      return conv ? new Map(m).set(id, { ...conv, ...patch }) : m;
    });
  }

  private patchTimeline(id: string, patch: Partial<Mutable<Timeline>>): void {
    this._timelines.update((m) => {
      const tl = m.get(id);
      return tl ? new Map(m).set(id, { ...tl, ...patch }) : m;
    });
  }

  private patchPending(clientMsgId: string, patch: Partial<PendingMessage>): void {
    this._pending.update((list) => list.map((p) => (p.clientMsgId === clientMsgId ? { ...p, ...patch } : p)));
  }

  /** A short message for the user (shown as a snack bar by the shell). */
  say(text: string): void {
    this._notice.set({ id: ++this.noticeSeq, text });
  }
}

/**
 * A conversation from the server merged over the one held: membership, name
 * and unread come from the server, unless this tab has already seen newer
 * messages (a push that overtook the answer).
 */
function mergeConversation(held: Conversation | undefined, incoming: Conversation): Conversation {
  if (!held || incoming.lastSeq >= held.lastSeq) return incoming;
  return {
    ...incoming,
    lastSeq: held.lastSeq,
    lastMessage: held.lastMessage,
    unread: held.unread,
    updatedAt: later(held.updatedAt, incoming.updatedAt),
  };
}
