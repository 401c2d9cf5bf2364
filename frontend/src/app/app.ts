import { ChangeDetectionStrategy, Component, effect, inject } from '@angular/core';
import { MatProgressSpinner } from '@angular/material/progress-spinner';
import { Router, RouterOutlet } from '@angular/router';
import { AuthStore } from './core/auth/auth.store';

@Component({
  selector: 'chat-root',
  imports: [RouterOutlet, MatProgressSpinner],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (auth.status() === 'restoring') {
      <div class="restoring" role="status" aria-live="polite">
        <mat-progress-spinner mode="indeterminate" diameter="40" aria-label="Restoring your session" />
      </div>
    }
    <router-outlet />
  `,
  styles: `
    :host { display: block; height: 100%; }
    .restoring { display: grid; place-items: center; height: 100%; }
  `,
})
export class App {
  protected readonly auth = inject(AuthStore);
  private readonly router = inject(Router);

  constructor() {
    // When a session ends (sign-out here or in another tab, a dead refresh token), go to the login
    // page. The first restore is the guards' business: they know where the navigation is going.
    let previous = this.auth.status();
    effect(() => {
      const status = this.auth.status();
      const ended = previous === 'signed-in' && status === 'signed-out';
      previous = status;
      if (ended) void this.router.navigate(['/login']);
    });
  }
}
