import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators, type AbstractControl, type ValidationErrors } from '@angular/forms';
import { MatButton, MatIconButton } from '@angular/material/button';
import { MatCard } from '@angular/material/card';
import { MatError, MatFormField, MatHint, MatLabel, MatSuffix } from '@angular/material/form-field';
import { MatInput } from '@angular/material/input';
import { Router, RouterLink } from '@angular/router';
import { LIMITS, codePointLength } from '@chat/contracts';
import { ApiError, describeError } from '../../core/api-error';
import { AuthStore } from '../../core/auth/auth.store';
import { Icon } from '../../core/ui/icon';

/** The protocol's display-name rule: 1-64 characters after trimming (blank means "use the username"). */
function displayNameRule(control: AbstractControl<string>): ValidationErrors | null {
  const v = control.value.trim();
  return v && codePointLength(v) > LIMITS.displayNameMax ? { tooLong: true } : null;
}

@Component({
  selector: 'chat-register',
  // The page's one landmark: axe wants all content inside one, and screen readers jump to it.
  host: { role: 'main' },
  imports: [ReactiveFormsModule, RouterLink, MatCard, MatFormField, MatLabel, MatError, MatHint, MatSuffix, MatInput, MatButton, MatIconButton, Icon],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './register.html',
  styleUrl: './auth-page.scss',
})
export class RegisterPage {
  private readonly auth = inject(AuthStore);
  private readonly router = inject(Router);

  protected readonly limits = LIMITS;
  protected readonly form = inject(NonNullableFormBuilder).group({
    username: [
      '',
      [
        Validators.required,
        Validators.minLength(LIMITS.usernameMin),
        Validators.maxLength(LIMITS.usernameMax),
        Validators.pattern(/^[A-Za-z0-9_.-]+$/),
      ],
    ],
    displayName: ['', [displayNameRule]],
    password: ['', [Validators.required, Validators.minLength(LIMITS.passwordMin), Validators.maxLength(LIMITS.passwordMax)]],
  });
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly showPassword = signal(false);

  protected async submit(): Promise<void> {
    this.form.markAllAsTouched();
    if (this.form.invalid || this.busy()) return;
    this.busy.set(true);
    this.error.set(null);
    const { username, displayName, password } = this.form.getRawValue();
    try {
      await this.auth.register(username, password, displayName.trim() || undefined);
      await this.router.navigateByUrl('/');
    } catch (err) {
      if (err instanceof ApiError && err.code === 'CONFLICT') {
        // The field says it (and is described by it); a form-level alert too would say it twice.
        this.form.controls.username.setErrors({ taken: true });
      } else {
        this.error.set(describeError(err));
      }
    } finally {
      this.busy.set(false);
    }
  }
}
