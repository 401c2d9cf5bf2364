import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { MatButton } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogActions, MatDialogContent, MatDialogRef, MatDialogTitle } from '@angular/material/dialog';
import { MatFormField, MatLabel } from '@angular/material/form-field';
import { MatInput } from '@angular/material/input';
import { MatRadioButton, MatRadioGroup } from '@angular/material/radio';
import { Router } from '@angular/router';
import type { Message } from '@chat/contracts';
import { describeError } from '../../core/api-error';
import { fullTime } from '../../core/ui/time';
import { ChatStore } from './chat.store';

export interface SearchDialogData {
  /** Search this conversation by default (the open one), else all of them. */
  readonly conversationId?: string;
}

/**
 * Message search over all the user's conversations or one: results newest
 * first, each with its conversation, sender and time; a click opens the
 * message in its history.
 */
@Component({
  selector: 'chat-search-dialog',
  imports: [MatDialogTitle, MatDialogContent, MatDialogActions, MatButton, MatFormField, MatLabel, MatInput, MatRadioGroup, MatRadioButton],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2 mat-dialog-title>Search messages</h2>
    <mat-dialog-content>
      <form (submit)="$event.preventDefault(); run()" role="search">
        <mat-form-field appearance="outline" subscriptSizing="dynamic" class="find">
          <mat-label>Words to find</mat-label>
          <input matInput data-testid="message-search-input" [value]="query()" (input)="query.set($any($event.target).value)" maxlength="200" cdkFocusInitial />
        </mat-form-field>
        @if (data.conversationId) {
          <mat-radio-group aria-label="Where to search" [value]="scope()" (change)="scope.set($event.value)">
            <mat-radio-button value="here" data-testid="search-scope-here">This conversation</mat-radio-button>
            <mat-radio-button value="all" data-testid="search-scope-all">All conversations</mat-radio-button>
          </mat-radio-group>
        }
        <button matButton="filled" type="submit" [disabled]="!query().trim() || busy()" data-testid="message-search-submit">Search</button>
      </form>
      @if (error(); as e) {
        <p role="alert">{{ e }}</p>
      }
      <ul class="results" aria-label="Results" data-testid="search-results">
        @for (r of results(); track r.message.id) {
          <li>
            <button type="button" class="result" data-testid="search-result" [attr.data-message-id]="r.message.id" (click)="open(r.message)">
              <span class="where">{{ r.conversation }} · {{ r.sender }} · {{ r.time }}</span>
              <span class="text">{{ r.message.text }}</span>
            </button>
          </li>
        } @empty {
          @if (searched() && !busy()) {
            <li class="none" data-testid="search-empty">No message matches.</li>
          }
        }
      </ul>
      @if (cursor()) {
        <button matButton type="button" (click)="run(true)" [disabled]="busy()" data-testid="search-more">More results</button>
      }
    </mat-dialog-content>
    <mat-dialog-actions align="end"><button matButton type="button" (click)="ref.close()">Close</button></mat-dialog-actions>
  `,
  styles: `
    form { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; padding-top: 8px; }
    .find { flex: 1 1 100%; }
    .results { list-style: none; margin: 8px 0 0; padding: 0; }
    .result { display: flex; flex-direction: column; align-items: flex-start; width: 100%; padding: 8px; border: 0; border-radius: 8px;
      background: none; color: inherit; text-align: start; cursor: pointer; }
    .result:hover, .result:focus-visible { background: var(--mat-sys-surface-container-highest); }
    .where { font: var(--mat-sys-label-small); color: var(--mat-sys-on-surface-variant); }
    .text { display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow: hidden; white-space: pre-wrap; }
  `,
})
export class SearchDialog {
  protected readonly data = inject<SearchDialogData>(MAT_DIALOG_DATA);
  protected readonly ref = inject<MatDialogRef<SearchDialog>>(MatDialogRef);
  private readonly chat = inject(ChatStore);
  private readonly router = inject(Router);
  protected readonly query = signal('');
  protected readonly scope = signal<'here' | 'all'>(this.data.conversationId ? 'here' : 'all');
  protected readonly found = signal<Message[]>([]);
  protected readonly cursor = signal<string | null>(null);
  protected readonly busy = signal(false);
  protected readonly searched = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly results = computed(() =>
    this.found().map((message) => {
      const conv = this.chat.conversation(message.conversationId);
      return { message, conversation: conv ? this.chat.title(conv) : '', sender: this.chat.userName(message.senderId), time: fullTime(message.createdAt) };
    }),
  );

  protected async run(more = false): Promise<void> {
    const q = this.query().trim();
    if (!q) return;
    this.busy.set(true);
    this.error.set(null);
    try {
      const where = this.scope() === 'here' ? this.data.conversationId : undefined;
      const page = await this.chat.search(q, where, more ? (this.cursor() ?? undefined) : undefined);
      this.found.set(more ? [...this.found(), ...page.messages] : page.messages);
      this.cursor.set(page.cursor);
      this.searched.set(true);
    } catch (err) {
      this.error.set(describeError(err));
    } finally {
      this.busy.set(false);
    }
  }

  protected async open(message: Message): Promise<void> {
    this.ref.close();
    await this.router.navigate(['/c', message.conversationId]);
    await this.chat.showMessage(message.conversationId, message.seq);
  }
}
