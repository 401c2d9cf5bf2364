import { CdkTextareaAutosize } from '@angular/cdk/text-field';
import { ChangeDetectionStrategy, Component, ElementRef, computed, inject, input, signal, viewChild } from '@angular/core';
import { MatIconButton } from '@angular/material/button';
import { MatFormField, MatHint } from '@angular/material/form-field';
import { MatInput } from '@angular/material/input';
import { LIMITS, codePointLength, type User } from '@chat/contracts';
import { Icon } from '../../core/ui/icon';
import { fileSize } from '../../core/ui/file-size';
import { ChatStore } from './chat.store';
import { UploadsStore } from './state/uploads.store';

/** An `@` being typed just before the caret: where it starts and the name typed so far. */
const MENTION_AT_CARET = /(?:^|[^\p{L}\p{N}A-Za-z0-9_.-])@([A-Za-z0-9_.-]{0,32})$/u;

/**
 * Writes and sends messages: Enter sends, Shift+Enter breaks the line. The
 * text is the conversation's draft in the store, so it survives switching
 * conversations. Typing `@` opens a member picker driven by the keyboard
 * (arrows move, Enter or Tab picks, Escape closes); a reply being written
 * shows what it answers above the box.
 */
@Component({
  selector: 'chat-composer',
  imports: [CdkTextareaAutosize, MatFormField, MatHint, MatInput, MatIconButton, Icon],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: {
    '[class.dragging]': 'dragging()',
    '(dragover)': 'onDragOver($event)',
    '(dragleave)': 'dragging.set(false)',
    '(drop)': 'onDrop($event)',
  },
  template: `
    @if (replyTo(); as r) {
      <div class="replying" data-testid="replying-to">
        <span class="replying-text">Replying to <strong>{{ replyName() }}</strong>: {{ r.text }}</span>
        <button matIconButton type="button" aria-label="Cancel reply" data-testid="cancel-reply" (click)="cancelReply()"><chat-icon name="close" /></button>
      </div>
    }
    @if (picker(); as p) {
      <ul class="mention-picker" role="listbox" id="mention-picker" aria-label="Members to mention" data-testid="mention-picker">
        @for (u of p.users; track u.id; let i = $index) {
          <li role="option" [id]="'mention-' + u.id" [attr.aria-selected]="i === p.active" [class.active]="i === p.active"
            data-testid="mention-option" [attr.data-username]="u.username" (mousedown)="$event.preventDefault(); pick(u)">
            <strong>{{ u.displayName }}</strong> <span class="handle">&#64;{{ u.username }}</span>
          </li>
        }
      </ul>
    }
    @if (uploads().length) {
      <ul class="uploads" aria-label="Files to send" data-testid="pending-uploads">
        @for (u of uploads(); track u.localId) {
          <li class="upload" data-testid="pending-upload" [attr.data-name]="u.name" [attr.data-state]="u.error ? 'failed' : u.attachment ? 'ready' : 'uploading'">
            @if (u.preview) {
              <img [src]="u.preview" alt="" class="preview" />
            } @else {
              <chat-icon name="file" />
            }
            <span class="upload-info">
              <span class="upload-name">{{ u.name }}</span>
              @if (u.error) {
                <span class="upload-error" role="alert">{{ u.error }}</span>
              } @else if (!u.attachment) {
                <progress max="1" [value]="u.progress" [attr.aria-label]="'Uploading ' + u.name" data-testid="upload-progress"></progress>
              } @else {
                <span class="upload-size">{{ size(u.size) }}</span>
              }
            </span>
            <button matIconButton type="button" [attr.aria-label]="'Remove ' + u.name" (click)="removeUpload(u.localId)"><chat-icon name="close" /></button>
          </li>
        }
      </ul>
    }
    <div class="composer">
      <input #fileInput type="file" multiple hidden data-testid="file-input" (change)="picked(fileInput)" />
      <button matIconButton type="button" class="attach" aria-label="Attach files" data-testid="attach-button" (click)="fileInput.click()">
        <chat-icon name="attach" />
      </button>
      <mat-form-field appearance="outline" subscriptSizing="dynamic" class="field">
        <textarea #box matInput cdkTextareaAutosize cdkAutosizeMinRows="1" cdkAutosizeMaxRows="6"
          placeholder="Write a message" aria-label="Message" data-testid="composer-input"
          role="combobox" aria-autocomplete="list" [attr.aria-expanded]="!!picker()" [attr.aria-controls]="picker() ? 'mention-picker' : null"
          [attr.aria-activedescendant]="activeOption()"
          [value]="text()" (input)="onInput(box.value)" (keydown)="onKey($event)" (blur)="stopTyping(); mention.set(null)"
          (click)="findMention()" (paste)="onPaste($event)"></textarea>
        @if (counter(); as c) {
          <mat-hint align="end" [class.over]="c.over" data-testid="composer-counter">{{ c.text }}</mat-hint>
        }
      </mat-form-field>
      <button matIconButton type="button" class="send" aria-label="Send message" data-testid="send-button"
        [disabled]="!canSend()" (click)="send()">
        <chat-icon name="send" />
      </button>
    </div>
    @if (error(); as e) {
      <p class="error" role="alert" data-testid="composer-error">{{ e }}</p>
    }
  `,
  styles: `
    :host { display: block; padding: 8px 12px 12px; border-top: 1px solid var(--mat-sys-outline-variant); }
    .composer { display: flex; align-items: flex-end; gap: 8px; }
    .field { flex: 1; }
    .send { margin-bottom: 4px; color: var(--mat-sys-primary); }
    .attach { margin-bottom: 4px; }
    :host(.dragging) { outline: 2px dashed var(--mat-sys-primary); outline-offset: -4px; }
    .uploads { display: flex; flex-wrap: wrap; gap: 8px; margin: 0 0 8px; padding: 0; list-style: none; }
    .upload { display: flex; align-items: center; gap: 8px; padding: 4px 4px 4px 8px; border-radius: 8px; background: var(--mat-sys-surface-container-high); max-width: 280px; }
    .preview { width: 40px; height: 40px; object-fit: cover; border-radius: 4px; }
    .upload-info { display: flex; flex-direction: column; min-width: 0; flex: 1; font: var(--mat-sys-body-small); }
    .upload-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .upload-error { color: var(--mat-sys-error); }
    progress { width: 120px; }
    .over { color: var(--mat-sys-error); }
    .error { margin: 4px 0 0; color: var(--mat-sys-error); font: var(--mat-sys-body-small); }
    :host { position: relative; }
    .replying { display: flex; align-items: center; gap: 8px; padding: 0 4px 4px; font: var(--mat-sys-body-small); }
    .replying-text { flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; border-left: 3px solid var(--mat-sys-primary); padding-left: 6px; }
    .mention-picker { position: absolute; bottom: 100%; left: 12px; z-index: 2; min-width: 240px; margin: 0; padding: 4px 0; list-style: none;
      background: var(--mat-sys-surface-container); border-radius: 8px; box-shadow: var(--mat-sys-level2); }
    .mention-picker li { padding: 6px 12px; cursor: pointer; }
    .mention-picker li.active { background: var(--mat-sys-secondary-container); }
    .handle { color: var(--mat-sys-on-surface-variant); }
  `,
})
export class Composer {
  private readonly chat = inject(ChatStore);
  private readonly files = inject(UploadsStore);
  readonly conversationId = input.required<string>();
  private readonly box = viewChild.required<ElementRef<HTMLTextAreaElement>>('box');

  protected readonly text = computed(() => this.chat.draft(this.conversationId()));
  protected readonly replyTo = computed(() => this.chat.replyTarget(this.conversationId()));
  protected readonly replyName = computed(() => {
    const r = this.replyTo();
    return r ? this.chat.userName(r.senderId) : '';
  });
  /** The `@name` being typed (its start in the text, the prefix) and the highlighted option. */
  protected readonly mention = signal<{ start: number; prefix: string; active: number } | null>(null);
  protected readonly picker = computed(() => {
    const m = this.mention();
    if (!m) return null;
    const users = this.chat.mentionable(this.conversationId(), m.prefix);
    return users.length ? { users, active: Math.min(m.active, users.length - 1) } : null;
  });
  protected readonly activeOption = computed(() => {
    const p = this.picker();
    return p ? `mention-${p.users[p.active]!.id}` : null;
  });
  protected readonly error = signal<string | null>(null);
  private readonly length = computed(() => codePointLength(this.text().trim()));
  protected readonly uploads = computed(() => this.files.in(this.conversationId()));
  protected readonly dragging = signal(false);
  protected readonly size = fileSize;
  /** Text or at least one file that arrived, and nothing still on its way. */
  protected readonly canSend = computed(
    () =>
      this.length() <= LIMITS.textMax &&
      !this.files.busy().has(this.conversationId()) &&
      (this.length() > 0 || this.uploads().some((u) => u.attachment)),
  );
  protected readonly counter = computed(() => {
    const n = this.length();
    if (n < LIMITS.textMax - 500) return null;
    return { text: `${n} / ${LIMITS.textMax}`, over: n > LIMITS.textMax };
  });

  focus(): void {
    this.box().nativeElement.focus();
  }

  protected onInput(value: string): void {
    this.error.set(null);
    this.chat.setDraft(this.conversationId(), value);
    this.chat.typed(this.conversationId(), value);
    this.findMention();
  }

  /** Opens, narrows or closes the picker from the text before the caret. */
  protected findMention(): void {
    const el = this.box().nativeElement;
    const before = el.value.slice(0, el.selectionStart ?? el.value.length);
    const m = MENTION_AT_CARET.exec(before);
    if (!m) return this.mention.set(null);
    const prefix = m[1]!;
    const prev = this.mention();
    this.mention.set({ start: before.length - prefix.length - 1, prefix, active: prev && prev.prefix === prefix ? prev.active : 0 });
  }

  protected pick(user: User): void {
    const m = this.mention();
    const el = this.box().nativeElement;
    if (!m) return;
    const caret = el.selectionStart ?? el.value.length;
    const value = `${el.value.slice(0, m.start)}@${user.username} ${el.value.slice(caret)}`;
    el.value = value;
    const at = m.start + user.username.length + 2;
    el.setSelectionRange(at, at);
    this.mention.set(null);
    this.chat.setDraft(this.conversationId(), value);
  }

  protected cancelReply(): void {
    this.chat.cancelReply(this.conversationId());
    this.focus();
  }

  protected onKey(event: KeyboardEvent): void {
    const p = this.picker();
    if (p && !event.isComposing) {
      const m = this.mention()!;
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        this.mention.set({ ...m, active: (p.active + step + p.users.length) % p.users.length });
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        this.pick(p.users[p.active]!);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        this.mention.set(null);
        return;
      }
    }
    if (event.key === 'Escape' && this.replyTo()) {
      event.preventDefault();
      this.cancelReply();
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.send();
    }
  }

  protected send(): void {
    // Read the box itself: the last keystroke may not have reached the store yet.
    const value = this.box().nativeElement.value;
    const id = this.conversationId();
    this.chat.setDraft(id, value);
    if (this.files.busy().has(id)) return this.error.set('Wait until the files are uploaded.');
    const ready = this.uploads().filter((u) => u.attachment).map((u) => u.attachment!.id);
    const problem = this.chat.send(id, value, ready);
    this.error.set(problem && (value.trim() || ready.length) ? problem : null);
    if (!problem) {
      this.files.take(id);
      this.box().nativeElement.value = '';
    }
  }

  protected attach(files: readonly File[]): void {
    if (files.length === 0) return;
    this.error.set(this.files.add(this.conversationId(), files));
  }

  protected picked(input: HTMLInputElement): void {
    this.attach([...(input.files ?? [])]);
    input.value = '';
  }

  /** A pasted image (a screenshot) becomes an attachment; pasted text stays text. */
  protected onPaste(event: ClipboardEvent): void {
    const files = [...(event.clipboardData?.files ?? [])];
    if (files.length === 0) return;
    event.preventDefault();
    this.attach(files);
  }

  protected onDragOver(event: DragEvent): void {
    if (!event.dataTransfer?.types.includes('Files')) return;
    event.preventDefault();
    this.dragging.set(true);
  }

  protected onDrop(event: DragEvent): void {
    this.dragging.set(false);
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length === 0) return;
    event.preventDefault();
    this.attach(files);
  }

  protected removeUpload(localId: string): void {
    this.files.remove(localId);
  }

  protected stopTyping(): void {
    this.chat.stopTyping(this.conversationId());
  }
}
