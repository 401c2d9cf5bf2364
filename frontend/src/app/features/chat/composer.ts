import { CdkTextareaAutosize } from '@angular/cdk/text-field';
import { ChangeDetectionStrategy, Component, ElementRef, computed, inject, input, signal, viewChild } from '@angular/core';
import { MatIconButton } from '@angular/material/button';
import { MatFormField, MatHint } from '@angular/material/form-field';
import { MatInput } from '@angular/material/input';
import { LIMITS, codePointLength } from '@chat/contracts';
import { Icon } from '../../core/ui/icon';
import { ChatStore } from './chat.store';

/**
 * Writes and sends messages: Enter sends, Shift+Enter breaks the line. The
 * text is the conversation's draft in the store, so it survives switching
 * conversations.
 */
@Component({
  selector: 'chat-composer',
  imports: [CdkTextareaAutosize, MatFormField, MatHint, MatInput, MatIconButton, Icon],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="composer">
      <mat-form-field appearance="outline" subscriptSizing="dynamic" class="field">
        <textarea #box matInput cdkTextareaAutosize cdkAutosizeMinRows="1" cdkAutosizeMaxRows="6"
          placeholder="Write a message" aria-label="Message" data-testid="composer-input"
          [value]="text()" (input)="onInput(box.value)" (keydown)="onKey($event)" (blur)="stopTyping()"></textarea>
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
    .over { color: var(--mat-sys-error); }
    .error { margin: 4px 0 0; color: var(--mat-sys-error); font: var(--mat-sys-body-small); }
  `,
})
export class Composer {
  private readonly chat = inject(ChatStore);
  readonly conversationId = input.required<string>();
  private readonly box = viewChild.required<ElementRef<HTMLTextAreaElement>>('box');

  protected readonly text = computed(() => this.chat.draft(this.conversationId()));
  protected readonly error = signal<string | null>(null);
  private readonly length = computed(() => codePointLength(this.text().trim()));
  protected readonly canSend = computed(() => this.length() > 0 && this.length() <= LIMITS.textMax);
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
  }

  protected onKey(event: KeyboardEvent): void {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.send();
    }
  }

  protected send(): void {
    // Read the box itself: the last keystroke may not have reached the store yet.
    const value = this.box().nativeElement.value;
    this.chat.setDraft(this.conversationId(), value);
    const problem = this.chat.send(this.conversationId(), value);
    this.error.set(problem && value.trim() ? problem : null);
    if (!problem) this.box().nativeElement.value = '';
  }

  protected stopTyping(): void {
    this.chat.stopTyping(this.conversationId());
  }
}
