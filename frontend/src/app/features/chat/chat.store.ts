import { Injectable, inject, signal } from '@angular/core';
import { LIMITS, REPLY_EXCERPT_MAX, codePointLength, excerptOf, type AckData, type Conversation, type Message, type PushPayload, type RemovedReason, type Role, type User } from '@chat/contracts';
import { ApiError, describeError } from '../../core/api-error';
import { ChatSocket } from '../../core/socket/socket.service';
import { ConversationsStore } from './state/conversations.store';
import type { MentionContext } from './format/markdown';
import { DraftsStore } from './state/drafts.store';
import { NotificationsStore } from './state/notifications.store';
import { OutboxStore, type PendingMessage } from './state/outbox.store';
import { UploadsStore } from './state/uploads.store';
import { PeopleStore, type Presence } from './state/people.store';
import { ReadsStore } from './state/reads.store';
import { TimelinesStore } from './state/timelines.store';
import { TypingStore } from './state/typing.store';
import { contiguousTop, type Timeline } from './timeline';

export type { PendingMessage } from './state/outbox.store';
export type { Presence } from './state/people.store';

export interface Notice {
  readonly id: number;
  readonly text: string;
}

/** How many messages one history page asks for. */
const PAGE = LIMITS.historyLimitDefault;
/** A catch-up this far behind reloads the newest page instead (older ones load on scroll). */
const CATCH_UP_RESET = 500;

/**
 * The chat feature's entry point. The state lives in focused stores
 * (conversations, timelines, outbox, typing, people, drafts, reads); this one
 * keeps them in step with the server: the sync after every handshake, history
 * paging and catch-up, and the pushes. Components call it and read through it,
 * so no component needs to know which store holds what.
 */
@Injectable({ providedIn: 'root' })
export class ChatStore {
  private readonly socket = inject(ChatSocket);
  private readonly convs = inject(ConversationsStore);
  private readonly timelines = inject(TimelinesStore);
  private readonly outbox = inject(OutboxStore);
  private readonly uploads = inject(UploadsStore);
  private readonly typingStore = inject(TypingStore);
  private readonly people = inject(PeopleStore);
  private readonly drafts = inject(DraftsStore);
  private readonly reads = inject(ReadsStore);
  private readonly notifications = inject(NotificationsStore);
  private readonly _notice = signal<Notice | null>(null);
  /** Per conversation, the message the composer is answering. */
  private readonly replying = signal<ReadonlyMap<string, Message>>(new Map());
  /** A message a reply's quote asked to show: the pane scrolls to it and highlights it. */
  readonly focusRequest = signal<{ conversationId: string; seq: number; at: number } | null>(null);

  /** The conversation on screen, set by the conversation pane. */
  readonly activeId = signal<string | null>(null);
  /**
   * Whether the pane shows the newest message (the reader is not up in
   * history). False from opening until the pane has rendered and says so:
   * only what has been on screen is read.
   */
  private readonly atNewest = signal(false);
  readonly connection = this.socket.state;
  readonly listLoaded = this.convs.loaded;
  readonly notice = this._notice.asReadonly();
  /** Why the conversation list could not be loaded (it is being retried), or null. */
  readonly listError = this.convs.error;
  readonly me = this.people.me;
  /** Newest activity first. */
  readonly conversations = this.convs.list;
  readonly totalUnread = this.convs.totalUnread;
  readonly totalMentions = this.convs.totalMentions;

  private started = false;
  private syncFailures = 0;
  private noticeSeq = 0;
  private readonly catchingUp = new Map<string, Promise<void>>();
  private readonly catchUpAgain = new Set<string>();

  constructor() {
    const s = this.socket;
    s.onConnect(() => void this.sync());
    s.on('message:new', (p) => this.onMessageNew(p.message));
    s.on('message:updated', (p) => this.onMessageUpdated(p.message));
    s.on('conversation:updated', (p) => this.upsertConversation(p.conversation));
    s.on('conversation:removed', (p) => this.onRemoved(p.conversationId, p.reason));
    s.on('presence:update', (p) => this.people.setPresence(p.userId, { online: p.online, lastSeenAt: p.lastSeenAt }));
    s.on('user:updated', (p) => this.people.updated(p.user));
    s.on('typing', (p) => this.typingStore.onPush(p));
    s.on('read:update', (p) => this.onRead(p));
    s.on('conversation:prefs', (p) => this.convs.patch(p.conversationId, { muted: p.muted }));
    this.notifications.opened = (id) => this.openConversation(id);
    this.outbox.delivered = (m) => this.onMessageNew(m);
    if (typeof document !== 'undefined') {
      document.addEventListener('visibilitychange', () => {
        const id = this.activeId();
        if (id && this.isReading(id)) this.markRead(id);
      });
    }
  }

  // ---- lifecycle ----------------------------------------------------------

  /** Connects and loads everything; safe to call again. */
  start(): void {
    if (this.started) return;
    this.started = true;
    // What was typed or unsent before a reload goes again (same clientMsgId) once connected.
    const me = this.me()?.id;
    if (me) {
      this.outbox.restore(me);
      this.drafts.restore(me);
      this.notifications.restore(me);
    }
    this.socket.connect();
  }

  /** Signed out: drop the connection and everything this user saw. */
  stop(): void {
    this.started = false;
    this.socket.stop();
    for (const s of [this.convs, this.timelines, this.outbox, this.typingStore, this.people, this.drafts, this.reads, this.notifications, this.uploads]) s.reset();
    this.replying.set(new Map());
    this.syncFailures = 0;
    this.activeId.set(null);
  }

  /**
   * After every handshake: resume unsent messages, reload the list, and catch
   * every held window up from its last contiguous seq, so nothing sent while
   * we were away is missing and nothing is doubled.
   */
  private async sync(): Promise<void> {
    this.outbox.resume();
    try {
      const [{ contacts }, { conversations }] = await Promise.all([
        // Contacts only add names and presence: the chat works without them.
        this.socket.request('contact:list', {}).catch(() => ({ contacts: [] })),
        this.socket.request('conversation:list', {}),
      ]);
      this.people.absorbContacts(contacts);
      // Blocks only fold messages away: the chat works without them.
      void this.people.loadBlocked().catch(() => undefined);
      this.replaceConversations(conversations);
      const active = this.activeId();
      const work = this.timelines.entries().map(([id, tl]) => (tl.loaded ? this.catchUp(id) : this.loadNewest(id)));
      for (const [id] of this.timelines.entries()) void this.loadReads(id);
      // The open conversation's first page may have failed while offline.
      if (active && !this.timelines.has(active) && this.convs.has(active)) work.push(this.loadNewest(active));
      await Promise.all(work);
      if (active && this.isReading(active)) this.markRead(active);
      this.syncFailures = 0;
      this.convs.setError(null);
    } catch (err) {
      // The list is what everything else hangs on: try again while connected (a lost
      // connection syncs again on its own reconnect).
      this.convs.setError(describeError(err));
      const wait = Math.min(2000 * 2 ** this.syncFailures++, 30_000);
      setTimeout(() => {
        if (this.started && this.socket.connected) void this.sync();
      }, wait);
    }
  }

  // ---- reading state ------------------------------------------------------

  conversation(id: string): Conversation | undefined {
    return this.convs.get(id);
  }

  timeline(id: string): Timeline | undefined {
    return this.timelines.get(id);
  }

  pendingIn(id: string): PendingMessage[] {
    return this.outbox.in(id);
  }

  user(id: string): User | undefined {
    return this.people.user(id);
  }

  userName(id: string): string {
    return this.people.userName(id);
  }

  presence(userId: string): Presence | undefined {
    return this.people.presence(userId);
  }

  /** Whether the signed-in user blocks this user (their messages in shared groups fold away). */
  isBlocked(userId: string): boolean {
    return this.people.isBlocked(userId);
  }

  block(userId: string): Promise<void> {
    return this.people.block(userId);
  }

  unblock(userId: string): Promise<void> {
    return this.people.unblock(userId);
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
    return this.typingStore.typingIn(id);
  }

  /** The other members who have read up to at least `seq`. */
  readersOf(conversationId: string, seq: number): string[] {
    return this.reads.readersOf(conversationId, seq, this.me()?.id);
  }

  draft(id: string): string {
    return this.drafts.get(id);
  }

  setDraft(id: string, text: string): void {
    this.drafts.set(id, text);
  }

  // ---- conversations ------------------------------------------------------

  /** Shows a conversation: loads its newest page the first time. The pane then reports what is on screen (seen, setAtNewest). */
  open(id: string): void {
    this.activeId.set(id);
    this.atNewest.set(false);
    if (!this.timelines.has(id)) void this.loadNewest(id);
  }

  /** The pane showed messages up to `seq` (the reader may still be above the newest). */
  seen(id: string, seq: number): void {
    if (this.activeId() === id && this.tabVisible()) this.markRead(id, seq);
  }

  /**
   * The pane tells whether the newest message is on screen. Only then is
   * what arrives read: a reader up in history has not seen it yet, and its
   * sender must not be told otherwise. Scrolling back down reads it.
   */
  setAtNewest(id: string, atNewest: boolean): void {
    if (this.activeId() !== id || this.atNewest() === atNewest) return;
    this.atNewest.set(atNewest);
    if (atNewest && this.isReading(id)) this.markRead(id);
  }

  close(id: string): void {
    if (this.activeId() === id) this.activeId.set(null);
    this.stopTyping(id);
  }

  async loadOlder(id: string): Promise<void> {
    const tl = this.timelines.get(id);
    if (!tl || !tl.loaded || tl.loading || !tl.hasOlder || tl.messages.length === 0) return;
    this.timelines.patch(id, { loading: true });
    try {
      const page = await this.socket.request('message:history', { conversationId: id, beforeSeq: tl.messages[0].seq, limit: PAGE });
      this.absorbMessages(id, page.messages);
      const floor = page.messages.length ? page.messages[0].seq - 1 : 0;
      this.timelines.patch(id, { hasOlder: page.hasMore && page.messages.length > 0, loading: false, floor });
    } catch (err) {
      this.timelines.patch(id, { loading: false });
      this.say(describeError(err));
    }
  }

  private async loadNewest(id: string): Promise<void> {
    this.timelines.begin(id);
    try {
      void this.loadReads(id);
      await this.takeNewestPage(id);
      // Pushes that came while the page was on its way may have left a hole.
      const tl = this.timelines.get(id);
      const conv = this.convs.get(id);
      if (tl && conv && contiguousTop(tl.messages, tl.floor) < Math.max(conv.lastSeq, tl.messages.at(-1)?.seq ?? 0)) {
        await this.catchUp(id);
      }
      if (this.isReading(id)) this.markRead(id);
    } catch (err) {
      // Forget the window so that the next open or reconnect tries again.
      this.timelines.drop(id);
      if (!(err instanceof ApiError && err.transport)) this.say(describeError(err));
    }
  }

  /**
   * The others' read markers (`read:list`, protocol v1.1): pushes only tell
   * of reads while this tab is connected, so receipts would fall back to
   * "Sent" after a reload without them.
   */
  private async loadReads(id: string): Promise<void> {
    try {
      const { reads } = await this.socket.request('read:list', { conversationId: id });
      this.reads.record(id, reads);
    } catch {
      /* receipts then come from read:update pushes only */
    }
  }

  private async takeNewestPage(id: string): Promise<void> {
    const page = await this.socket.request('message:history', { conversationId: id, limit: PAGE });
    this.absorbMessages(id, page.messages);
    // An empty newest page means the conversation had no message at all when it was read.
    const floor = page.messages.length ? page.messages[0].seq - 1 : 0;
    this.timelines.patch(id, { hasOlder: page.hasMore && page.messages.length > 0, loading: false, loaded: true, floor });
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
          const tl = this.timelines.get(id);
          if (!tl) return;
          const top = contiguousTop(tl.messages, tl.floor);
          const conv = this.convs.get(id);
          if (conv && conv.lastSeq - top > CATCH_UP_RESET) {
            // Far behind: start over from the newest page rather than replay it all.
            this.timelines.begin(id, true);
            await this.takeNewestPage(id);
            continue;
          }
          const page = await this.socket.request('message:history', { conversationId: id, afterSeq: top, limit: LIMITS.historyLimitMax });
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
  markRead(id: string, upTo?: number): void {
    const conv = this.convs.get(id);
    if (!conv || conv.lastSeq === 0) return;
    const seq = Math.min(upTo ?? conv.lastSeq, conv.lastSeq);
    if (this.reads.sentUpTo(id) >= seq && (seq < conv.lastSeq || conv.unread === 0)) return;
    if (!this.socket.connected) return;
    const sent = Math.max(seq, this.reads.sentUpTo(id));
    this.reads.noteSent(id, sent);
    const unread = this.unreadAbove(conv, sent);
    if (unread !== conv.unread) this.convs.patch(id, { unread });
    if (unread === 0 && conv.mentions) this.convs.patch(id, { mentions: 0 });
    this.socket.request('conversation:read', { conversationId: id, seq: sent }).catch(() => this.reads.forgetSent(id));
  }

  /** Messages from others above a read marker, from the window held (or bounded by the count known). */
  private unreadAbove(conv: Conversation, seq: number): number {
    if (seq >= conv.lastSeq) return 0;
    const tl = this.timelines.get(conv.id);
    if (tl && tl.messages.length && tl.messages[0].seq <= seq + 1) {
      const me = this.me()?.id;
      return tl.messages.filter((m) => m.seq > seq && m.senderId !== me).length;
    }
    return Math.min(conv.unread, conv.lastSeq - seq);
  }

  // ---- sending ------------------------------------------------------------

  /** Queues a message (answering the one being replied to, if any); it shows as pending until its ack (or its own message:new) arrives. */
  send(conversationId: string, raw: string, attachmentIds: readonly string[] = []): string | null {
    const text = raw.trim();
    if (!text && attachmentIds.length === 0) return 'Type a message first.';
    if (codePointLength(text) > LIMITS.textMax) return `A message can be at most ${LIMITS.textMax} characters.`;
    this.setDraft(conversationId, '');
    this.stopTyping(conversationId);
    this.outbox.add(conversationId, text, this.replyTarget(conversationId)?.id, attachmentIds);
    this.cancelReply(conversationId);
    return null;
  }

  replyTarget(conversationId: string): Message | undefined {
    return this.replying().get(conversationId);
  }

  startReply(message: Message): void {
    this.replying.update((m) => new Map(m).set(message.conversationId, message));
  }

  cancelReply(conversationId: string): void {
    if (!this.replying().has(conversationId)) return;
    this.replying.update((m) => {
      const next = new Map(m);
      next.delete(conversationId);
      return next;
    });
  }

  /**
   * Shows a message of the open conversation: loads older pages until it is
   * in the window (bounded), then asks the pane to scroll to it.
   */
  async showMessage(conversationId: string, seq: number): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const tl = this.timelines.get(conversationId);
      if (!tl?.loaded) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (!tl.hasOlder || (tl.messages[0]?.seq ?? 0) <= seq) break;
      await this.loadOlder(conversationId);
    }
    this.focusRequest.set({ conversationId, seq, at: Date.now() });
  }

  /** Tries a failed message again, with the same clientMsgId (the server stores it at most once). */
  retry(clientMsgId: string): void {
    this.outbox.retry(clientMsgId);
  }

  discard(clientMsgId: string): void {
    this.outbox.discard(clientMsgId);
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

  async react(messageId: string, emoji: string, add: boolean): Promise<void> {
    try {
      const { message } = await this.socket.request(add ? 'reaction:add' : 'reaction:remove', { messageId, emoji });
      this.onMessageUpdated(message);
    } catch (err) {
      this.say(describeError(err));
    }
  }

  async setMuted(conversationId: string, muted: boolean): Promise<void> {
    await this.socket.request('conversation:mute', { conversationId, muted });
    this.convs.patch(conversationId, { muted });
  }

  /** How a conversation notifies: every message (groups, this browser), direct messages and mentions, or muted. */
  notifyLevel(conversation: Conversation): 'every' | 'default' | 'muted' {
    if (conversation.muted) return 'muted';
    return conversation.type === 'group' && this.notifications.notifiesEvery(conversation.id) ? 'every' : 'default';
  }

  async setNotifyLevel(conversation: Conversation, level: 'every' | 'default' | 'muted'): Promise<void> {
    this.notifications.setEvery(conversation.id, level === 'every');
    if (conversation.muted !== (level === 'muted')) await this.setMuted(conversation.id, level === 'muted');
  }

  search(query: string, conversationId?: string, cursor?: string): Promise<AckData<'message:search'>> {
    return this.socket.request('message:search', { query, ...(conversationId ? { conversationId } : {}), ...(cursor ? { cursor } : {}) });
  }

  /** Who `@name` names in a conversation: its members by username. */
  mentionContext(conversationId: string): MentionContext {
    const conv = this.convs.get(conversationId);
    const byName = new Map<string, string>();
    for (const m of conv?.members ?? []) {
      const u = this.people.user(m.userId);
      if (u) byName.set(u.username.toLowerCase(), u.id);
    }
    return { byUsername: (name) => byName.get(name), meId: this.me()?.id };
  }

  /** The members as the `@` picker offers them (not the user), filtered by a typed prefix. */
  mentionable(conversationId: string, prefix: string): User[] {
    const me = this.me()?.id;
    const p = prefix.toLowerCase();
    return (this.convs.get(conversationId)?.members ?? [])
      .filter((m) => m.userId !== me)
      .map((m) => this.people.user(m.userId))
      .filter((u): u is User => !!u && (u.username.startsWith(p) || u.displayName.toLowerCase().startsWith(p)))
      .slice(0, 8);
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
    this.typingStore.typed(conversationId, text);
  }

  stopTyping(conversationId: string): void {
    this.typingStore.stop(conversationId);
  }

  // ---- people -------------------------------------------------------------

  searchUsers(query: string): Promise<User[]> {
    return this.people.search(query);
  }

  /** Opens (or makes) the direct conversation with a user. */
  async startDirect(userId: string): Promise<Conversation> {
    const { conversation } = await this.socket.request('conversation:direct', { userId });
    this.upsertConversation(conversation);
    return conversation;
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
    if (mine) this.outbox.discard(message.clientMsgId);
    const conv = this.convs.get(id);
    if (!conv) {
      // A conversation this tab has not heard of yet (its conversation:updated may be behind).
      void this.reloadList();
      return;
    }
    const fresh = message.seq > conv.lastSeq;
    this.convs.summarize(id, [message]);
    if (fresh && !mine) {
      const mentioned = message.mentions.includes(this.me()?.id ?? '');
      if (this.isReading(id)) this.markRead(id);
      else {
        const now = this.convs.get(id);
        this.convs.patch(id, { unread: (now?.unread ?? 0) + 1, mentions: (now?.mentions ?? 0) + (mentioned ? 1 : 0) });
      }
      if (!(this.activeId() === id && this.tabVisible())) this.notifications.onMessage(conv, message, this.title(conv), this.userName(message.senderId), mentioned);
    }
    if (!mine) this.typingStore.clear(id, message.senderId);
    const tl = this.timelines.get(id);
    if (tl) {
      const top = contiguousTop(tl.messages, tl.floor);
      this.timelines.merge(id, [message]);
      // A hole below this message: fetch what is missing (the guarantee of `seq`).
      if (tl.loaded && message.seq > top + 1) void this.catchUp(id);
    }
  }

  private onMessageUpdated(message: Message): void {
    const id = message.conversationId;
    this.timelines.replace(id, message);
    // Replies held here quote the original: they follow its edit or delete (the protocol leaves this to clients).
    const quoting = this.timelines.get(id)?.messages.filter((m) => m.replyTo?.messageId === message.id) ?? [];
    for (const r of quoting) {
      const excerpt = message.deletedAt ? '' : excerptOf(message.text, REPLY_EXCERPT_MAX);
      this.timelines.replace(id, { ...r, replyTo: { ...r.replyTo!, excerpt, deleted: !!message.deletedAt } });
    }
    const conv = this.convs.get(id);
    if (conv?.lastMessage && conv.lastMessage.seq === message.seq) this.convs.patch(id, { lastMessage: message });
  }

  private onRemoved(conversationId: string, reason: RemovedReason): void {
    const conv = this.convs.get(conversationId);
    if (!conv) return;
    const title = this.title(conv);
    this.forget(conversationId);
    if (reason === 'removed') this.say(`You were removed from ${title}.`);
    else if (reason === 'deleted') this.say(`${title} was deleted.`);
  }

  private onRead(p: PushPayload<'read:update'>): void {
    if (p.userId !== this.me()?.id) {
      this.reads.record(p.conversationId, [p]);
      return;
    }
    // Read in another tab (or device): unread follows.
    const conv = this.convs.get(p.conversationId);
    if (!conv) return;
    this.reads.noteSent(p.conversationId, p.seq);
    const unread = this.unreadAbove(conv, p.seq);
    if (unread !== conv.unread) this.convs.patch(p.conversationId, { unread });
    if (unread === 0 && conv.mentions) this.convs.patch(p.conversationId, { mentions: 0 });
  }

  /** Opens a conversation on screen (a clicked notification); set by the shell, which holds the router. */
  openConversation: (id: string) => void = () => undefined;

  // ---- helpers ------------------------------------------------------------

  private tabVisible(): boolean {
    return typeof document === 'undefined' || document.visibilityState === 'visible';
  }

  private isReading(id: string): boolean {
    return this.activeId() === id && this.atNewest() && this.tabVisible();
  }

  private async reloadList(): Promise<void> {
    try {
      const { conversations } = await this.socket.request('conversation:list', {});
      this.replaceConversations(conversations);
    } catch {
      /* the next sync will bring it */
    }
  }

  private replaceConversations(list: readonly Conversation[]): void {
    for (const id of this.convs.replace(list)) this.dropWindow(id);
    this.people.ensureKnown(list.flatMap((c) => c.members.map((m) => m.userId)));
  }

  private upsertConversation(conversation: Conversation): void {
    this.convs.upsert(conversation);
    this.people.ensureKnown(conversation.members.map((m) => m.userId));
  }

  private forget(conversationId: string): void {
    if (this.convs.remove(conversationId)) this.dropWindow(conversationId);
  }

  private dropWindow(conversationId: string): void {
    this.timelines.drop(conversationId);
    this.outbox.dropConversation(conversationId);
    this.drafts.set(conversationId, '');
    this.reads.forgetSent(conversationId);
  }

  private absorbMessages(id: string, messages: readonly Message[]): void {
    if (messages.length === 0) return;
    const me = this.me()?.id;
    this.outbox.settled(id, new Set(messages.filter((m) => m.senderId === me).map((m) => m.clientMsgId)));
    this.timelines.merge(id, messages);
    this.convs.summarize(id, messages);
  }

  /** A short message for the user (shown as a snack bar by the shell). */
  say(text: string): void {
    this._notice.set({ id: ++this.noticeSeq, text });
  }
}
