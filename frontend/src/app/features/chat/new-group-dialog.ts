import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators, type AbstractControl, type ValidationErrors } from '@angular/forms';
import { MatButton } from '@angular/material/button';
import { MatChipRemove, MatChipRow, MatChipSet } from '@angular/material/chips';
import { MatDialogActions, MatDialogClose, MatDialogContent, MatDialogRef, MatDialogTitle } from '@angular/material/dialog';
import { MatError, MatFormField, MatLabel } from '@angular/material/form-field';
import { MatInput } from '@angular/material/input';
import { LIMITS, codePointLength, type User } from '@chat/contracts';
import { describeError } from '../../core/api-error';
import { Icon } from '../../core/ui/icon';
import { ChatStore } from './chat.store';
import { UserPicker } from './user-picker';

export function groupNameRule(control: AbstractControl<string>): ValidationErrors | null {
  const v = control.value.trim();
  if (!v) return { required: true };
  return codePointLength(v) > LIMITS.groupNameMax ? { tooLong: true } : null;
}

/** Names a new group and picks its first members; closes with the new conversation's id. */
@Component({
  selector: 'chat-new-group-dialog',
  imports: [
    ReactiveFormsModule,
    MatDialogTitle,
    MatDialogContent,
    MatDialogActions,
    MatDialogClose,
    MatFormField,
    MatLabel,
    MatError,
    MatInput,
    MatButton,
    MatChipSet,
    MatChipRow,
    MatChipRemove,
    Icon,
    UserPicker,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2 mat-dialog-title>New group</h2>
    <form [formGroup]="form" (ngSubmit)="create()" novalidate>
      <mat-dialog-content>
        <mat-form-field appearance="outline" class="full">
          <mat-label>Group name</mat-label>
          <input matInput formControlName="name" aria-label="Group name" data-testid="group-name" cdkFocusInitial />
          @if (form.controls.name.hasError('required')) {
            <mat-error>Give the group a name.</mat-error>
          } @else if (form.controls.name.hasError('tooLong')) {
            <mat-error>At most {{ max }} characters.</mat-error>
          }
        </mat-form-field>
        <chat-user-picker label="Add people" testId="group-member-search" [exclude]="memberIds()" (picked)="add($event)" />
        <mat-chip-set aria-label="People to add" class="chips">
          @for (u of members(); track u.id) {
            <mat-chip-row (removed)="drop(u)" [attr.data-testid]="'group-member-chip'">
              {{ u.displayName }}
              <button matChipRemove [attr.aria-label]="'Remove ' + u.displayName"><chat-icon name="close" /></button>
            </mat-chip-row>
          }
        </mat-chip-set>
        @if (error(); as text) {
          <p class="error" role="alert" data-testid="new-group-error">{{ text }}</p>
        }
      </mat-dialog-content>
      <mat-dialog-actions align="end">
        <button matButton type="button" mat-dialog-close>Cancel</button>
        <button matButton="filled" type="submit" [disabled]="busy()" data-testid="create-group">Create group</button>
      </mat-dialog-actions>
    </form>
  `,
  styles: `
    .full { width: 100%; }
    .chips { display: block; margin-top: 8px; min-height: 8px; }
    .error { color: var(--mat-sys-error); }
  `,
})
export class NewGroupDialog {
  private readonly chat = inject(ChatStore);
  private readonly ref = inject<MatDialogRef<NewGroupDialog, string>>(MatDialogRef);
  protected readonly max = LIMITS.groupNameMax;
  protected readonly form = inject(NonNullableFormBuilder).group({ name: ['', [groupNameRule, Validators.maxLength(200)]] });
  protected readonly members = signal<User[]>([]);
  protected readonly memberIds = computed(() => this.members().map((u) => u.id));
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  protected add(user: User): void {
    if (!this.members().some((u) => u.id === user.id)) this.members.update((list) => [...list, user]);
  }

  protected drop(user: User): void {
    this.members.update((list) => list.filter((u) => u.id !== user.id));
  }

  protected async create(): Promise<void> {
    this.form.markAllAsTouched();
    if (this.form.invalid || this.busy()) return;
    this.busy.set(true);
    this.error.set(null);
    try {
      const conversation = await this.chat.createGroup(this.form.getRawValue().name.trim(), this.memberIds());
      this.ref.close(conversation.id);
    } catch (err) {
      this.error.set(describeError(err));
    } finally {
      this.busy.set(false);
    }
  }
}
