import { ChangeDetectionStrategy, Component, DestroyRef, inject, input, output, signal } from '@angular/core';
import { MatAutocomplete, MatAutocompleteTrigger, MatOption, type MatAutocompleteSelectedEvent } from '@angular/material/autocomplete';
import { MatFormField, MatLabel, MatPrefix } from '@angular/material/form-field';
import { MatInput } from '@angular/material/input';
import type { User } from '@chat/contracts';
import { describeError } from '../../core/api-error';
import { Icon } from '../../core/ui/icon';
import { ChatStore } from './chat.store';

/** A search box over every user (prefix of username or display name); picking one emits it. */
@Component({
  selector: 'chat-user-picker',
  imports: [MatFormField, MatLabel, MatPrefix, MatInput, MatAutocomplete, MatAutocompleteTrigger, MatOption, Icon],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <mat-form-field appearance="outline" subscriptSizing="dynamic">
      <mat-label>{{ label() }}</mat-label>
      <chat-icon matPrefix name="search" class="prefix" />
      <input #box matInput type="search" autocomplete="off" spellcheck="false" [attr.aria-label]="label()"
        [attr.data-testid]="testId()" [matAutocomplete]="auto" [value]="query()" (input)="search(box.value)" />
      <mat-autocomplete #auto="matAutocomplete" (optionSelected)="pick($event)" [displayWith]="blank" [hideSingleSelectionIndicator]="true">
        @for (u of results(); track u.id) {
          <mat-option [value]="u" [attr.data-testid]="testId() + '-result'" [attr.data-username]="u.username">
            <span class="name">{{ u.displayName }}</span> <span class="handle">&#64;{{ u.username }}</span>
          </mat-option>
        } @empty {
          @if (status(); as s) {
            <mat-option disabled>{{ s }}</mat-option>
          }
        }
      </mat-autocomplete>
    </mat-form-field>
  `,
  styles: `
    :host { display: block; }
    mat-form-field { width: 100%; }
    .prefix { margin: 0 4px 0 12px; opacity: .7; }
    .handle { margin-left: 6px; color: var(--mat-sys-on-surface-variant); font: var(--mat-sys-body-small); }
  `,
})
export class UserPicker {
  private readonly chat = inject(ChatStore);
  readonly label = input('Search people');
  readonly testId = input('user-search');
  /** Users not to offer (already members, already picked). */
  readonly exclude = input<readonly string[]>([]);
  readonly picked = output<User>();

  protected readonly query = signal('');
  protected readonly results = signal<User[]>([]);
  protected readonly status = signal<string | null>(null);
  private timer: ReturnType<typeof setTimeout> | null = null;
  private seq = 0;
  /** The box empties once someone is picked. */
  protected readonly blank = () => '';

  constructor() {
    inject(DestroyRef).onDestroy(() => this.timer && clearTimeout(this.timer));
  }

  protected search(value: string): void {
    this.query.set(value);
    if (this.timer) clearTimeout(this.timer);
    if (!value.trim()) {
      this.results.set([]);
      this.status.set(null);
      return;
    }
    this.timer = setTimeout(() => void this.run(value), 200);
  }

  private async run(value: string): Promise<void> {
    const mine = ++this.seq;
    this.status.set('Searching…');
    try {
      const users = await this.chat.searchUsers(value);
      if (mine !== this.seq) return;
      const skip = new Set(this.exclude());
      const shown = users.filter((u) => !skip.has(u.id));
      this.results.set(shown);
      this.status.set(shown.length ? null : 'Nobody found');
    } catch (err) {
      if (mine !== this.seq) return;
      this.results.set([]);
      this.status.set(describeError(err));
    }
  }

  protected pick(event: MatAutocompleteSelectedEvent): void {
    const user = event.option.value as User;
    this.query.set('');
    this.results.set([]);
    this.status.set(null);
    this.picked.emit(user);
  }
}
