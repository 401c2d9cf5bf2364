import { ChangeDetectionStrategy, Component, ElementRef, Injector, afterNextRender, computed, inject, input, output, signal, viewChild } from '@angular/core';
import { MatButton, MatIconButton } from '@angular/material/button';
import { MatMenu, MatMenuItem, MatMenuTrigger } from '@angular/material/menu';
import { MatTooltip } from '@angular/material/tooltip';
import { LIMITS, codePointLength, type Message, type ReplyTo } from '@chat/contracts';
import { Avatar } from '../../core/ui/avatar';
import { Icon } from '../../core/ui/icon';
import { fullTime, timeOfDay } from '../../core/ui/time';
import { parseMarkdown, type MentionContext } from './format/markdown';
import { AttachmentList } from './attachment-list';
import { RichText } from './format/rich-text';

/** The reactions the message menu offers at once; the picker has the rest. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '😢'] as const;

/**
 * One message. Its text is parsed into the protocol's Markdown subset and
 * rendered as fixed elements with interpolated text (RichText), so whatever
 * it contains is shown as characters and never parsed as HTML.
 */
@Component({
  selector: 'chat-message-item',
  imports: [MatIconButton, MatButton, MatMenu, MatMenuItem, MatMenuTrigger, MatTooltip, Icon, RichText, AttachmentList, Avatar],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './message-item.html',
  styleUrl: './message-item.scss',
  host: {
    '[class.mine]': 'mine()',
    '(keydown)': 'onShortcut($event)',
    '(pointerdown)': 'swipeStart($event)',
    '(pointerup)': 'swipeEnd($event)',
  },
})
export class MessageItem {
  readonly message = input.required<Message>();
  readonly mine = input(false);
  readonly senderName = input('');
  readonly senderAvatar = input<string | null>(null);
  /** Shown above the first of a run of messages from the same person in a group. */
  readonly showSender = input(false);
  readonly canEdit = input(false);
  readonly canDelete = input(false);
  /** For one's own messages: who has read it (names), or null when receipts are not shown. */
  readonly readBy = input<readonly string[] | null>(null);
  readonly direct = input(false);
  /** From a user the reader blocks (in a shared group): folded away until the reader asks to see it. */
  readonly blocked = input(false);
  /** Names the members (for reactions and quotes). */
  readonly nameOf = input<(userId: string) => string>((id) => id);
  readonly meId = input<string | undefined>(undefined);
  readonly mentions = input<MentionContext>({ byUsername: () => undefined, meId: undefined });

  readonly edited = output<string>();
  readonly deleted = output<void>();
  readonly replied = output<void>();
  readonly reacted = output<{ emoji: string; add: boolean }>();
  readonly pickEmoji = output<void>();
  /** The reader asked to see the message this one answers. */
  readonly jump = output<ReplyTo>();

  protected readonly quick = QUICK_REACTIONS;
  protected readonly blocks = computed(() => parseMarkdown(this.message().text, this.mentions()));
  protected readonly reactions = computed(() => {
    const me = this.meId();
    const nameOf = this.nameOf();
    return this.message().reactions.map((r) => ({
      emoji: r.emoji,
      count: r.userIds.length,
      mine: !!me && r.userIds.includes(me),
      names: r.userIds.map((u) => (u === me ? 'You' : nameOf(u))).join(', '),
    }));
  });

  private readonly injector = inject(Injector);
  private readonly editBox = viewChild<ElementRef<HTMLTextAreaElement>>('editBox');
  private readonly actionsButton = viewChild('actionsButton', { read: ElementRef<HTMLElement> });
  protected readonly editing = signal(false);
  protected readonly revealed = signal(false);
  protected readonly draft = signal('');
  protected readonly time = computed(() => timeOfDay(this.message().createdAt));
  protected readonly fullTime = computed(() => fullTime(this.message().createdAt));
  protected readonly draftError = computed(() => {
    const t = this.draft().trim();
    if (!t) return 'A message cannot be empty.';
    return codePointLength(t) > LIMITS.textMax ? `At most ${LIMITS.textMax} characters.` : null;
  });
  protected readonly receipt = computed(() => {
    const readers = this.readBy();
    if (readers === null) return null;
    if (readers.length === 0) return { icon: 'check' as const, text: 'Sent' };
    return { icon: 'checks' as const, text: this.direct() ? 'Seen' : `Seen by ${readers.join(', ')}` };
  });
  protected readonly label = computed(() => `${this.mine() ? 'You' : this.senderName()}, ${this.time()}`);

  private swipe: { x: number; y: number } | null = null;

  /** `r` on a focused message (its menu button) answers it. */
  protected onShortcut(event: KeyboardEvent): void {
    if (event.key !== 'r' || event.ctrlKey || event.metaKey || event.altKey || this.editing() || this.message().deletedAt) return;
    if ((event.target as HTMLElement | null)?.closest('textarea, input')) return;
    event.preventDefault();
    this.replied.emit();
  }

  /** A swipe to the right on a touch screen answers the message. */
  protected swipeStart(event: PointerEvent): void {
    this.swipe = event.pointerType === 'touch' ? { x: event.clientX, y: event.clientY } : null;
  }

  protected swipeEnd(event: PointerEvent): void {
    const start = this.swipe;
    this.swipe = null;
    if (!start || this.message().deletedAt || this.editing()) return;
    if (event.clientX - start.x > 60 && Math.abs(event.clientY - start.y) < 30) this.replied.emit();
  }

  protected hasReacted(emoji: string): boolean {
    const me = this.meId();
    return !!me && !!this.message().reactions.find((r) => r.emoji === emoji)?.userIds.includes(me);
  }

  protected startEdit(): void {
    this.draft.set(this.message().text);
    this.editing.set(true);
    afterNextRender(() => this.editBox()?.nativeElement.focus(), { injector: this.injector });
  }

  protected save(): void {
    if (this.draftError()) return;
    const text = this.draft().trim();
    this.stopEditing();
    if (text !== this.message().text) this.edited.emit(text);
  }

  /** Keyboard focus back on the ⋮ button (the edit box it was in is gone), not lost to the page. */
  focusActions(): void {
    const focus = () => (this.actionsButton()?.nativeElement as HTMLElement | undefined)?.focus();
    if (this.editing()) afterNextRender(focus, { injector: this.injector });
    else focus();
  }

  protected stopEditing(): void {
    afterNextRender(() => this.focusActions(), { injector: this.injector });
    this.editing.set(false);
  }

  protected onEditKey(event: KeyboardEvent): void {
    if (event.key === 'Escape') {
      event.preventDefault();
      this.stopEditing();
    } else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.save();
    }
  }
}
