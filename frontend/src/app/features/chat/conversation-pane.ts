import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  afterRenderEffect,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
  viewChild,
  viewChildren,
} from '@angular/core';
import { MatButton, MatIconButton } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatMenu, MatMenuItem, MatMenuTrigger } from '@angular/material/menu';
import { MatProgressSpinner } from '@angular/material/progress-spinner';
import { Router, RouterLink } from '@angular/router';
import type { Message, ReplyTo } from '@chat/contracts';
import { describeError } from '../../core/api-error';
import { Icon } from '../../core/ui/icon';
import { TabBadge } from '../../core/ui/tab-badge';
import { lastSeen } from '../../core/ui/time';
import { ChatStore, type PendingMessage } from './chat.store';
import { Composer } from './composer';
import { ConfirmDialog, confirmThen, type ConfirmData } from './confirm-dialog';
import { GroupAdminDialog, type GroupAdminData } from './group-admin-dialog';
import { EmojiPickerDialog } from './emoji-picker-dialog';
import { MessageItem } from './message-item';
import { SearchDialog, type SearchDialogData } from './search-dialog';
import { groupByDay } from './timeline';

interface MessageView {
  message: Message;
  mine: boolean;
  senderName: string;
  senderAvatar: string | null;
  showSender: boolean;
  canEdit: boolean;
  canDelete: boolean;
  readBy: string[] | null;
  /** From a user the reader blocks, in a group: folded away until asked for. */
  blocked: boolean;
}

/** Start loading older messages when the reader is this close to the top. */
const LOAD_OLDER_PX = 200;
/** Follow new messages when the reader is this close to the bottom. */
const STICK_PX = 80;

@Component({
  selector: 'chat-conversation-pane',
  imports: [RouterLink, MatIconButton, MatButton, MatMenu, MatMenuItem, MatMenuTrigger, MatProgressSpinner, Icon, MessageItem, Composer],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './conversation-pane.html',
  styleUrl: './conversation-pane.scss',
})
export class ConversationPane {
  /** The route's :id. */
  readonly id = input.required<string>();

  protected readonly chat = inject(ChatStore);
  private readonly dialog = inject(MatDialog);
  private readonly router = inject(Router);
  private readonly pageTitle = inject(TabBadge);
  private readonly scroller = viewChild<ElementRef<HTMLElement>>('scroller');
  private readonly content = viewChild<ElementRef<HTMLElement>>('content');
  private readonly composer = viewChild(Composer);
  private readonly items = viewChildren(MessageItem);

  private readonly now = signal(new Date());
  protected readonly conversation = computed(() => this.chat.conversation(this.id()));
  protected readonly isGroup = computed(() => this.conversation()?.type === 'group');
  protected readonly title = computed(() => {
    const c = this.conversation();
    return c ? this.chat.title(c) : '';
  });
  protected readonly subtitle = computed(() => {
    const c = this.conversation();
    if (!c) return '';
    if (c.type === 'group') return `${c.members.length} member${c.members.length === 1 ? '' : 's'}`;
    const peer = this.chat.peerId(c);
    const p = peer ? this.chat.presence(peer) : undefined;
    if (!p) return '';
    return p.online ? 'online' : lastSeen(p.lastSeenAt, this.now());
  });
  /** In a direct conversation: the other user, and whether the reader blocks them. */
  protected readonly peer = computed(() => {
    const c = this.conversation();
    const id = c ? this.chat.peerId(c) : null;
    return id ? { id, blocked: this.chat.isBlocked(id) } : null;
  });
  protected readonly timeline = computed(() => this.chat.timeline(this.id()));
  protected readonly mentions = computed(() => (this.conversation() ? this.chat.mentionContext(this.id()) : undefined));
  protected readonly meId = computed(() => this.chat.me()?.id);
  protected readonly nameOf = (userId: string) => this.chat.userName(userId);
  protected readonly pending = computed<PendingMessage[]>(() => this.chat.pendingIn(this.id()));

  protected readonly days = computed(() => {
    const c = this.conversation();
    const tl = this.timeline();
    if (!c || !tl) return [];
    const me = this.chat.me()?.id;
    const group = c.type === 'group';
    const views: MessageView[] = [];
    let prev: Message | null = null;
    for (const m of tl.messages) {
      const mine = m.senderId === me;
      const sameRun = prev !== null && prev.senderId === m.senderId && prev.createdAt.slice(0, 10) === m.createdAt.slice(0, 10);
      views.push({
        message: m,
        mine,
        senderName: this.chat.userName(m.senderId),
        senderAvatar: this.chat.user(m.senderId)?.avatarUrl ?? null,
        showSender: group && !sameRun,
        canEdit: mine && !m.deletedAt,
        canDelete: this.chat.canDelete(c, m),
        readBy: mine && !m.deletedAt ? this.chat.readersOf(c.id, m.seq).map((uid) => this.chat.userName(uid)) : null,
        blocked: group && !mine && this.chat.isBlocked(m.senderId),
      });
      prev = m;
    }
    return groupByDay(views, (v) => v.message.createdAt, this.now());
  });

  /** The unread count and newest seq when this conversation was opened: where "New messages" goes, fixed while reading. */
  private readonly opened = signal<{ id: string; unread: number; lastSeq: number } | null>(null);
  /** The first unread message as it was on opening (the divider goes above it), or null. */
  protected readonly dividerSeq = computed(() => {
    const at = this.opened();
    const tl = this.timeline();
    if (!at || at.id !== this.id() || at.unread === 0 || !tl?.loaded) return null;
    const me = this.chat.me()?.id;
    let count = 0;
    for (let i = tl.messages.length - 1; i >= 0; i--) {
      const m = tl.messages[i];
      if (m.seq > at.lastSeq || m.senderId === me) continue;
      if (++count === at.unread) return m.seq;
    }
    // More unread than the window holds: the divider tops what is held.
    return tl.hasOlder ? (tl.messages[0]?.seq ?? null) : null;
  });
  /** Messages below the view (for the jump-to-newest button); 0 at the bottom. */
  protected readonly below = signal(0);

  protected readonly typingText = computed(() => {
    const names = this.chat.typingIn(this.id());
    if (names.length === 0) return '';
    if (names.length === 1) return `${names[0]} is typing…`;
    if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
    return 'Several people are typing…';
  });

  private stick = true;
  private anchor: { firstSeq: number; fromBottom: number } | null = null;
  /** Whether the opening position (the bottom, or the "New messages" divider) has been taken. */
  private positioned = false;
  private focusedFor: string | null = null;

  constructor() {
    const tick = setInterval(() => this.now.set(new Date()), 60_000);
    inject(DestroyRef).onDestroy(() => clearInterval(tick));

    effect((onCleanup) => {
      const id = this.id();
      untracked(() => {
        this.stick = true;
        this.anchor = null;
        this.positioned = false;
        this.below.set(0);
        this.chat.open(id);
      });
      onCleanup(() => untracked(() => this.chat.close(id)));
    });

    effect(() => {
      const c = this.conversation();
      if (c && untracked(this.opened)?.id !== c.id) this.opened.set({ id: c.id, unread: c.unread, lastSeq: c.lastSeq });
    });

    // Removed from it, or it was deleted, or it never was ours: back to the list.
    effect(() => {
      if (this.chat.listLoaded() && !this.conversation()) void this.router.navigate(['/']);
    });

    effect(() => {
      const t = this.title();
      this.pageTitle.setTitle(t ? `${t} · Chat` : 'Chat');
    });

    // A reply's quote asked for its original: it is loaded by now; bring it into view and highlight it.
    afterRenderEffect(() => {
      const req = this.chat.focusRequest();
      if (!req || req.conversationId !== this.id()) return;
      const el = this.scroller()?.nativeElement.querySelector<HTMLElement>(`[data-testid="message"][data-seq="${req.seq}"]`);
      if (!el) return;
      untracked(() => {
        this.chat.focusRequest.set(null);
        this.stick = false;
        this.anchor = null;
        el.scrollIntoView({ block: 'center' });
        const host = el.closest('chat-message-item');
        host?.classList.add('flash');
        host?.setAttribute('data-highlighted', 'true');
        setTimeout(() => {
          host?.classList.remove('flash');
          host?.removeAttribute('data-highlighted');
        }, 2500);
      });
    });

    // Layout that settles after the render (the composer sizing itself, fonts, a
    // dialog closing) changes heights without a signal: a reader at the bottom stays there.
    effect((onCleanup) => {
      const el = this.scroller()?.nativeElement;
      const content = this.content()?.nativeElement;
      if (!el || !content || typeof ResizeObserver === 'undefined') return;
      const observer = new ResizeObserver(() => {
        if (this.stick && !this.anchor) el.scrollTop = el.scrollHeight;
      });
      observer.observe(el);
      observer.observe(content);
      onCleanup(() => observer.disconnect());
    });

    // Keep the view where the reader expects it after each render of new content.
    afterRenderEffect(() => {
      const tl = this.timeline();
      this.pending();
      this.typingText();
      this.dividerSeq();
      this.composer();
      const el = this.scroller()?.nativeElement;
      untracked(() => this.focusComposerOnOpen());
      if (!el || !tl) return;
      const first = tl.messages[0]?.seq ?? 0;
      if (!this.positioned && tl.loaded) {
        this.positioned = true;
        this.openAtDivider(el);
      } else if (this.anchor && this.anchor.firstSeq !== first) {
        // Older messages went in above: keep the ones being read in place.
        el.scrollTop = el.scrollHeight - this.anchor.fromBottom;
        this.anchor = null;
      } else if (this.anchor && !tl.loading) {
        this.anchor = null;
      } else if (this.stick) {
        el.scrollTop = el.scrollHeight;
      }
      // Not enough to scroll yet: fetch more so that scrolling up can begin.
      if (tl.loaded && tl.hasOlder && !tl.loading && el.scrollHeight <= el.clientHeight) this.loadOlder();
      // Untracked: what the store reads while marking read must not make this effect run on every store change.
      untracked(() => this.report());
    });
  }

  /** With more unread than fit on screen, the view opens at "New messages" instead of the bottom. */
  private openAtDivider(el: HTMLElement): void {
    const mark = el.querySelector<HTMLElement>('[data-testid="new-messages-divider"]');
    if (mark) {
      const offset = mark.getBoundingClientRect().top - el.getBoundingClientRect().top + el.scrollTop;
      if (el.scrollHeight - offset > el.clientHeight) {
        this.stick = false;
        el.scrollTop = Math.max(0, offset - 8);
        return;
      }
    }
    el.scrollTop = el.scrollHeight;
  }

  /**
   * Tells the store what is on screen, so that only that is read: the last
   * message fully shown, and whether that is the newest. Also counts what is
   * below the view for the jump button.
   */
  private report(): void {
    const el = this.scroller()?.nativeElement;
    const tl = untracked(this.timeline);
    if (!el || !tl?.loaded || !this.positioned) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
    const viewBottom = el.getBoundingClientRect().bottom;
    const items = el.querySelectorAll<HTMLElement>('[data-testid="message"]');
    let below = 0;
    let last = 0;
    for (let i = items.length - 1; i >= 0; i--) {
      if (items[i].getBoundingClientRect().bottom > viewBottom + 2) below++;
      else {
        last = Number(items[i].dataset['seq']);
        break;
      }
    }
    this.below.set(atBottom ? 0 : below);
    const id = untracked(this.id);
    this.chat.setAtNewest(id, atBottom);
    if (last) this.chat.seen(id, last);
  }

  /** Typing can start at once; not on touch screens, where focus would pop up the keyboard over the messages. */
  private focusComposerOnOpen(): void {
    const composer = this.composer();
    const id = this.id();
    if (!composer || this.focusedFor === id) return;
    this.focusedFor = id;
    const fine = typeof matchMedia === 'undefined' || matchMedia('(pointer: fine)').matches;
    if (fine && this.dialog.openDialogs.length === 0) composer.focus();
  }

  protected jumpToNewest(): void {
    const el = this.scroller()?.nativeElement;
    if (!el) return;
    this.stick = true;
    el.scrollTop = el.scrollHeight;
    this.focusComposer();
  }

  protected onScroll(): void {
    const el = this.scroller()?.nativeElement;
    if (!el) return;
    this.stick = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
    this.report();
    if (el.scrollTop < LOAD_OLDER_PX) this.loadOlder();
  }

  protected loadOlder(): void {
    const tl = this.timeline();
    const el = this.scroller()?.nativeElement;
    if (!tl || !el || tl.loading || !tl.hasOlder || tl.messages.length === 0) return;
    this.anchor = { firstSeq: tl.messages[0].seq, fromBottom: el.scrollHeight - el.scrollTop };
    void this.chat.loadOlder(this.id());
  }

  protected onEdited(message: Message, text: string): void {
    this.chat.edit(message.id, text).catch((err: unknown) => this.chat.say(`Could not edit: ${describeError(err)}`));
  }

  protected onDeleted(message: Message): void {
    const ref = this.dialog.open<ConfirmDialog, ConfirmData, boolean>(ConfirmDialog, {
      data: { title: 'Delete message?', message: 'Everyone in the conversation will see that it was deleted.', confirm: 'Delete' },
      // The dialog was opened from a menu item that no longer exists: the dialog's own restore would land on <body>.
      restoreFocus: false,
    });
    ref.afterClosed().subscribe((ok) => {
      if (ok) {
        this.focusComposer();
        this.chat.remove(message.id).catch((err: unknown) => this.chat.say(`Could not delete: ${describeError(err)}`));
      } else {
        this.items().find((item) => item.message().id === message.id)?.focusActions();
      }
    });
  }

  protected toggleBlock(): void {
    const peer = this.peer();
    if (!peer) return;
    const name = this.chat.userName(peer.id);
    if (peer.blocked) {
      this.chat.unblock(peer.id).then(
        () => this.chat.say(`You unblocked ${name}.`),
        (err: unknown) => this.chat.say(`Could not unblock: ${describeError(err)}`),
      );
      return;
    }
    const question = {
      title: `Block ${name}?`,
      message: 'They will not be able to message you here, add you to groups, see when you are online or find you in search. They are not told.',
      confirm: 'Block',
    };
    confirmThen(this.dialog, question, () =>
      this.chat.block(peer.id).then(
        () => this.chat.say(`You blocked ${name}.`),
        (err: unknown) => this.chat.say(`Could not block: ${describeError(err)}`),
      ),
    );
  }

  protected onReply(message: Message): void {
    this.chat.startReply(message);
    this.focusComposer();
  }

  protected onJump(replyTo: ReplyTo): void {
    void this.chat.showMessage(this.id(), replyTo.seq);
  }

  protected onReact(message: Message, change: { emoji: string; add: boolean }): void {
    void this.chat.react(message.id, change.emoji, change.add);
  }

  protected pickEmoji(message: Message): void {
    const ref = this.dialog.open<EmojiPickerDialog, void, string>(EmojiPickerDialog, { panelClass: 'chat-dialog', restoreFocus: false });
    ref.afterClosed().subscribe((emoji) => {
      if (emoji) void this.chat.react(message.id, emoji, true);
    });
  }

  protected readonly notifyLevel = computed(() => {
    const c = this.conversation();
    return c ? this.chat.notifyLevel(c) : 'default';
  });

  protected setNotify(level: 'every' | 'default' | 'muted'): void {
    const c = this.conversation();
    if (!c) return;
    this.chat.setNotifyLevel(c, level).catch((err: unknown) => this.chat.say(`Could not change notifications: ${describeError(err)}`));
  }

  protected searchHere(): void {
    this.dialog.open<SearchDialog, SearchDialogData>(SearchDialog, { data: { conversationId: this.id() }, panelClass: 'chat-dialog' });
  }

  protected openAdmin(): void {
    this.dialog.open<GroupAdminDialog, GroupAdminData>(GroupAdminDialog, {
      data: { conversationId: this.id() },
      panelClass: 'chat-dialog',
      autoFocus: 'dialog',
    });
  }

  protected focusComposer(): void {
    this.composer()?.focus();
  }
}
