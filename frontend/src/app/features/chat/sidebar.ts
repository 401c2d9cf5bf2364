import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject, signal } from '@angular/core';
import { MatButton, MatIconButton } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatMenu, MatMenuItem, MatMenuTrigger } from '@angular/material/menu';
import { Router, RouterLink, RouterLinkActive } from '@angular/router';
import type { Conversation, User } from '@chat/contracts';
import { describeError } from '../../core/api-error';
import { AuthStore } from '../../core/auth/auth.store';
import { Icon } from '../../core/ui/icon';
import { lastSeen, shortStamp } from '../../core/ui/time';
import { ChatStore } from './chat.store';
import { NewGroupDialog } from './new-group-dialog';
import { SearchDialog, type SearchDialogData } from './search-dialog';
import { NotificationsStore } from './state/notifications.store';
import { UserPicker } from './user-picker';

interface Row {
  id: string;
  title: string;
  preview: string;
  stamp: string;
  unread: number;
  mentions: number;
  muted: boolean;
  group: boolean;
  online: boolean | null;
  presenceText: string;
  initials: string;
  /** A direct conversation's peer's picture. */
  avatarUrl: string | null;
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0], parts[parts.length - 1]] : parts;
  return letters.map((p) => [...p][0]?.toUpperCase() ?? '').join('') || '?';
}

/** What the list shows for a message of files only: the file's name, or how many. */
export function filesPreview(files: readonly { name: string; thumbnailUrl: string | null }[]): string {
  if (files.length === 0) return '';
  if (files.length > 1) return `${files.length} files`;
  return `${files[0]!.thumbnailUrl ? 'Photo' : 'File'}: ${files[0]!.name}`;
}

/** The conversation list, newest activity first, with search, new group and the account menu. */
@Component({
  selector: 'chat-sidebar',
  imports: [RouterLink, RouterLinkActive, MatButton, MatIconButton, MatMenu, MatMenuItem, MatMenuTrigger, Icon, UserPicker],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './sidebar.html',
  styleUrl: './sidebar.scss',
})
export class Sidebar {
  protected readonly chat = inject(ChatStore);
  private readonly auth = inject(AuthStore);
  private readonly dialog = inject(MatDialog);
  private readonly router = inject(Router);
  protected readonly me = this.auth.user;
  protected readonly notifications = inject(NotificationsStore);
  /** Ticks so that "last seen 5 min ago" and stamps stay true. */
  private readonly now = signal(new Date());

  protected readonly rows = computed<Row[]>(() => {
    const now = this.now();
    const me = this.me()?.id;
    return this.chat.conversations().map((c) => this.row(c, me, now));
  });

  constructor() {
    const tick = setInterval(() => this.now.set(new Date()), 30_000);
    inject(DestroyRef).onDestroy(() => clearInterval(tick));
  }

  private row(c: Conversation, me: string | undefined, now: Date): Row {
    const title = this.chat.title(c);
    const typing = this.chat.typingIn(c.id);
    const last = c.lastMessage;
    let preview = 'No messages yet';
    if (typing.length) preview = c.type === 'group' ? `${typing[0]} is typing…` : 'typing…';
    else if (last) {
      const who = last.senderId === me ? 'You: ' : c.type === 'group' ? `${this.chat.userName(last.senderId)}: ` : '';
      preview = last.deletedAt ? `${who}Message deleted` : `${who}${last.text || filesPreview(last.attachments)}`;
    }
    const peer = this.chat.peerId(c);
    const presence = peer ? this.chat.presence(peer) : undefined;
    const online = presence ? presence.online : null;
    const presenceText = presence ? (presence.online ? 'online' : lastSeen(presence.lastSeenAt, now)) : '';
    return {
      id: c.id,
      title,
      preview,
      stamp: last ? shortStamp(last.createdAt, now) : '',
      unread: c.unread,
      mentions: c.mentions,
      muted: c.muted,
      group: c.type === 'group',
      online,
      presenceText,
      initials: initials(title),
      avatarUrl: peer ? (this.chat.user(peer)?.avatarUrl ?? null) : null,
    };
  }

  protected async startDirect(user: User): Promise<void> {
    try {
      const conversation = await this.chat.startDirect(user.id);
      await this.router.navigate(['/c', conversation.id]);
    } catch (err) {
      this.chat.say(describeError(err));
    }
  }

  protected searchMessages(): void {
    this.dialog.open<SearchDialog, SearchDialogData>(SearchDialog, { data: {}, panelClass: 'chat-dialog' });
  }

  /** From the user's click: browsers only ask for permission from a user action. */
  protected enableNotifications(): void {
    void this.notifications.enable();
  }

  protected newGroup(): void {
    const ref = this.dialog.open<NewGroupDialog, void, string>(NewGroupDialog, { panelClass: 'chat-dialog', autoFocus: 'first-tabbable' });
    ref.afterClosed().subscribe((id) => {
      if (id) void this.router.navigate(['/c', id]);
    });
  }

  protected logout(): void {
    void this.auth.logout();
  }
}
