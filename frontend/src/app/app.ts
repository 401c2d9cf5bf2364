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
    // Whenever the session ends (sign-out here or elsewhere, a dead refresh token), go to the login page.
    effect(() => {
      if (this.auth.status() !== 'signed-out') return;
      const path = this.router.url.split('?')[0];
      if (path !== '/login' && path !== '/register') void this.router.navigate(['/login']);
    });
  }
}
