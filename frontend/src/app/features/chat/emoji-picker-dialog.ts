import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { MatButton } from '@angular/material/button';
import { MatDialogActions, MatDialogContent, MatDialogRef, MatDialogTitle } from '@angular/material/dialog';
import { MatFormField, MatLabel } from '@angular/material/form-field';
import { MatInput } from '@angular/material/input';
import { MatProgressSpinner } from '@angular/material/progress-spinner';
import { LIMITS, isEmoji } from '@chat/contracts';

/** One emoji of emojibase's compact data (served from /emoji/compact.json, copied from the package at build). */
interface EmojiEntry {
  readonly unicode: string;
  readonly label: string;
  readonly group?: number;
  readonly tags?: readonly string[];
}

/** emojibase's groups, in its order; group 2 (skin tone and hair components) is not an emoji on its own. */
const GROUPS = ['Smileys', 'People', '', 'Animals & nature', 'Food & drink', 'Travel & places', 'Activities', 'Objects', 'Symbols', 'Flags'];

let catalog: Promise<EmojiEntry[]> | null = null;
function loadCatalog(): Promise<EmojiEntry[]> {
  catalog ??= fetch('emoji/compact.json')
    .then((r) => (r.ok ? (r.json() as Promise<EmojiEntry[]>) : Promise.reject(new Error(String(r.status)))))
    .then((all) => all.filter((e) => e.group !== undefined && e.group !== 2 && isEmoji(e.unicode, LIMITS.emojiMaxBytes)))
    .catch((err: unknown) => {
      catalog = null;
      throw err;
    });
  return catalog;
}

/** Every emoji (emojibase's data), by group, with a search over names and tags; closes with the one picked. */
@Component({
  selector: 'chat-emoji-picker-dialog',
  imports: [MatDialogTitle, MatDialogContent, MatDialogActions, MatButton, MatFormField, MatLabel, MatInput, MatProgressSpinner],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2 mat-dialog-title>Add a reaction</h2>
    <mat-dialog-content>
      <mat-form-field appearance="outline" subscriptSizing="dynamic" class="find">
        <mat-label>Search emoji</mat-label>
        <input matInput data-testid="emoji-search" [value]="query()" (input)="query.set($any($event.target).value)" />
      </mat-form-field>
      @if (error()) {
        <p role="alert">Could not load the emoji list.</p>
      } @else if (!entries()) {
        <mat-progress-spinner mode="indeterminate" diameter="32" aria-label="Loading emoji" />
      } @else {
        @for (g of groups(); track g.name) {
          <h3 class="group">{{ g.name }}</h3>
          <div class="grid" role="group" [attr.aria-label]="g.name">
            @for (e of g.items; track e.unicode) {
              <button type="button" class="emoji" [attr.aria-label]="e.label" [title]="e.label" data-testid="emoji-option"
                [attr.data-emoji]="e.unicode" (click)="ref.close(e.unicode)">{{ e.unicode }}</button>
            }
          </div>
        } @empty {
          <p>No emoji match.</p>
        }
      }
    </mat-dialog-content>
    <mat-dialog-actions align="end"><button matButton type="button" (click)="ref.close()">Cancel</button></mat-dialog-actions>
  `,
  styles: `
    .find { width: 100%; padding-top: 8px; }
    .group { margin: 12px 0 4px; font: var(--mat-sys-title-small); }
    .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(40px, 1fr)); }
    .emoji { border: 0; background: none; font-size: 24px; padding: 4px; border-radius: 6px; cursor: pointer; }
    .emoji:hover, .emoji:focus-visible { background: var(--mat-sys-surface-container-highest); }
  `,
})
export class EmojiPickerDialog {
  protected readonly ref = inject<MatDialogRef<EmojiPickerDialog, string>>(MatDialogRef);
  protected readonly query = signal('');
  protected readonly entries = signal<EmojiEntry[] | null>(null);
  protected readonly error = signal(false);
  protected readonly groups = computed(() => {
    const all = this.entries() ?? [];
    const q = this.query().trim().toLowerCase();
    const hits = q ? all.filter((e) => e.label.toLowerCase().includes(q) || e.tags?.some((t) => t.startsWith(q))) : all;
    return GROUPS.map((name, i) => ({ name, items: hits.filter((e) => e.group === i) })).filter((g) => g.name && g.items.length);
  });

  constructor() {
    loadCatalog().then(
      (list) => this.entries.set(list),
      () => this.error.set(true),
    );
  }
}
