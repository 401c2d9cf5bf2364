import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButton, MatIconButton } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatError, MatFormField, MatHint, MatLabel } from '@angular/material/form-field';
import { MatInput } from '@angular/material/input';
import { RouterLink } from '@angular/router';
import { LIMITS, type SessionInfo } from '@chat/contracts';
import { ApiError, describeError } from '../../core/api-error';
import { Avatar } from '../../core/ui/avatar';
import { Icon } from '../../core/ui/icon';
import { fullTime } from '../../core/ui/time';
import { confirmThen, type ConfirmData } from '../chat/confirm-dialog';
import { ProfileStore } from './profile.store';

/** What a section last said: done, or why not. */
interface Outcome {
  ok: boolean;
  text: string;
}

/**
 * Profile and safety: display name, password, where the user is signed in,
 * who they block, their data and the end of their account.
 */
@Component({
  selector: 'chat-profile-page',
  imports: [ReactiveFormsModule, RouterLink, MatFormField, MatLabel, MatHint, MatError, MatInput, MatButton, MatIconButton, Icon, Avatar],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './profile-page.html',
  styleUrl: './profile-page.scss',
})
export class ProfilePage {
  protected readonly store = inject(ProfileStore);
  private readonly dialog = inject(MatDialog);
  private readonly fb = inject(NonNullableFormBuilder);
  protected readonly limits = LIMITS;
  protected readonly when = fullTime;

  protected readonly nameForm = this.fb.group({
    displayName: [this.store.me()?.displayName ?? '', [Validators.required, Validators.maxLength(LIMITS.displayNameMax)]],
  });
  protected readonly passwordForm = this.fb.group({
    currentPassword: ['', [Validators.required, Validators.maxLength(LIMITS.passwordMax)]],
    newPassword: ['', [Validators.required, Validators.minLength(LIMITS.passwordMin), Validators.maxLength(LIMITS.passwordMax)]],
  });
  protected readonly deleteForm = this.fb.group({ password: ['', [Validators.required, Validators.maxLength(LIMITS.passwordMax)]] });

  protected readonly busy = signal<string | null>(null);
  protected readonly outcome = signal<Record<string, Outcome | undefined>>({});

  constructor() {
    void this.run('sessions', () => this.store.loadSessions(), null);
    void this.run('blocked', () => this.store.loadBlocked(), null);
  }

  protected setAvatar(input: HTMLInputElement): Promise<void> {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return Promise.resolve();
    return this.run('avatar', () => this.store.setAvatar(file), 'Picture saved.');
  }

  protected removeAvatar(): Promise<void> {
    return this.run('avatar', () => this.store.removeAvatar(), 'Picture removed.');
  }

  protected rename(): Promise<void> {
    if (this.nameForm.invalid) return Promise.resolve();
    return this.run('name', () => this.store.rename(this.nameForm.getRawValue().displayName), 'Display name saved.');
  }

  protected async changePassword(): Promise<void> {
    this.passwordForm.markAllAsTouched();
    if (this.passwordForm.invalid) return;
    const { currentPassword, newPassword } = this.passwordForm.getRawValue();
    await this.run('password', () => this.store.changePassword(currentPassword, newPassword), 'Password changed. Every other session was signed out.', 'The current password is wrong.');
    if (this.outcome()['password']?.ok) this.passwordForm.reset();
  }

  protected endSession(session: SessionInfo): Promise<void> {
    return this.run('sessions', () => this.store.endSession(session), null);
  }

  protected signOutEverywhere(): void {
    this.confirm({ title: 'Sign out everywhere?', message: 'Every browser and device signed in to your account, this one too, will be signed out.', confirm: 'Sign out everywhere' }, () =>
      this.run('sessions', () => this.store.signOutEverywhere(), null),
    );
  }

  protected unblock(userId: string): Promise<void> {
    return this.run('blocked', () => this.store.unblock(userId), null);
  }

  protected download(): Promise<void> {
    return this.run('export', () => this.store.download(), 'Your data was downloaded.');
  }

  protected deleteAccount(): void {
    this.deleteForm.markAllAsTouched();
    if (this.deleteForm.invalid) return;
    this.confirm(
      {
        title: 'Delete your account for good?',
        message: 'You will leave every group and lose your contacts and blocks. Your messages stay, shown as from "Deleted user". This cannot be undone.',
        confirm: 'Delete my account',
      },
      () => this.run('delete', () => this.store.deleteAccount(this.deleteForm.getRawValue().password), null, 'The password is wrong.'),
    );
  }

  protected agent(session: SessionInfo): string {
    return session.userAgent?.trim() || 'Unknown browser or device';
  }

  private confirm(data: ConfirmData, then: () => Promise<void>): void {
    confirmThen(this.dialog, data, then);
  }

  /** Runs one section's action, marking it busy and keeping what it said. */
  private async run(section: string, action: () => Promise<void>, done: string | null, unauthenticated?: string): Promise<void> {
    this.busy.set(section);
    this.outcome.update((o) => ({ ...o, [section]: undefined }));
    try {
      await action();
      if (done) this.outcome.update((o) => ({ ...o, [section]: { ok: true, text: done } }));
    } catch (err) {
      const text = unauthenticated && err instanceof ApiError && err.code === 'UNAUTHENTICATED' ? unauthenticated : describeError(err);
      this.outcome.update((o) => ({ ...o, [section]: { ok: false, text } }));
    } finally {
      this.busy.set(null);
    }
  }
}
