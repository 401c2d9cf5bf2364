import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButton, MatIconButton } from '@angular/material/button';
import { MatCard } from '@angular/material/card';
import { MatError, MatFormField, MatLabel, MatSuffix } from '@angular/material/form-field';
import { MatInput } from '@angular/material/input';
import { Router, RouterLink } from '@angular/router';
import { LIMITS } from '@chat/contracts';
import { ApiError, describeError } from '../../core/api-error';
import { AuthStore } from '../../core/auth/auth.store';
import { Icon } from '../../core/ui/icon';

@Component({
  selector: 'chat-login',
  // The page's one landmark: axe wants all content inside one, and screen readers jump to it.
  host: { role: 'main' },
  imports: [ReactiveFormsModule, RouterLink, MatCard, MatFormField, MatLabel, MatError, MatSuffix, MatInput, MatButton, MatIconButton, Icon],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './login.html',
  styleUrl: './auth-page.scss',
})
export class LoginPage {
  private readonly auth = inject(AuthStore);
  private readonly router = inject(Router);
  /** Where to go after signing in (set by the guard). */
  readonly returnUrl = input<string>();

  protected readonly form = inject(NonNullableFormBuilder).group({
    username: ['', [Validators.required, Validators.maxLength(LIMITS.usernameMax)]],
    password: ['', [Validators.required, Validators.maxLength(LIMITS.passwordMax)]],
  });
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly showPassword = signal(false);
  protected readonly notice = this.auth.endedReason;

  protected async submit(): Promise<void> {
    this.form.markAllAsTouched();
    if (this.form.invalid || this.busy()) return;
    this.busy.set(true);
    this.error.set(null);
    const { username, password } = this.form.getRawValue();
    try {
      await this.auth.login(username.trim(), password);
      const target = this.returnUrl();
      await this.router.navigateByUrl(target && target.startsWith('/') && !target.startsWith('//') ? target : '/');
    } catch (err) {
      this.error.set(
        err instanceof ApiError && (err.code === 'UNAUTHENTICATED' || err.code === 'VALIDATION_FAILED')
          ? 'Wrong username or password.'
          : describeError(err),
      );
    } finally {
      this.busy.set(false);
    }
  }
}
