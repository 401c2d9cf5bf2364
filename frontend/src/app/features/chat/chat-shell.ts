import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject } from '@angular/core';
import { MatSnackBar } from '@angular/material/snack-bar';
import { Router, RouterOutlet } from '@angular/router';
import { AuthStore } from '../../core/auth/auth.store';
import { Icon } from '../../core/ui/icon';
import { TabBadge } from '../../core/ui/tab-badge';
import { ChatStore } from './chat.store';
import { Sidebar } from './sidebar';

/**
 * The signed-in screen: the conversation list beside the open conversation.
 * On a phone-sized window only one of the two shows at a time.
 */
@Component({
  selector: 'chat-shell',
  imports: [RouterOutlet, Sidebar, Icon],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (banner(); as text) {
      <div class="banner" role="status" aria-live="polite" data-testid="connection-banner">
        <chat-icon name="offline" /> {{ text }}
      </div>
    }
    <div class="shell" [class.has-active]="chat.activeId() !== null">
      <chat-sidebar class="side" />
      <main class="pane"><router-outlet /></main>
    </div>
  `,
  styles: `
    :host { display: flex; flex-direction: column; height: 100%; }
    .banner {
      display: flex; align-items: center; justify-content: center; gap: 8px; padding: 6px 12px;
      background: var(--mat-sys-error-container); color: var(--mat-sys-on-error-container);
      font: var(--mat-sys-label-large);
    }
    .banner chat-icon { width: 18px; height: 18px; }
    .shell { flex: 1; min-height: 0; display: grid; grid-template-columns: minmax(280px, 360px) 1fr; }
    .side, .pane { min-height: 0; min-width: 0; }
    .pane { display: flex; flex-direction: column; }
    @media (max-width: 720px) {
      .shell { grid-template-columns: 1fr; }
      .shell.has-active .side { display: none; }
      .shell:not(.has-active) .pane { display: none; }
    }
  `,
})
export class ChatShell {
  protected readonly chat = inject(ChatStore);
  private readonly auth = inject(AuthStore);
  private readonly snack = inject(MatSnackBar);

  protected readonly banner = computed(() => {
    switch (this.chat.connection()) {
      case 'connecting':
        return 'Connecting…';
      case 'reconnecting':
        return 'Connection lost. Reconnecting…';
      default:
        return null;
    }
  });

  constructor() {
    const router = inject(Router);
    const badge = inject(TabBadge);
    this.chat.openConversation = (id) => void router.navigate(['/c', id]);
    // The total unread in the tab's title and favicon, seen from other tabs.
    effect(() => badge.setCount(this.chat.totalUnread()));
    inject(DestroyRef).onDestroy(() => badge.setCount(0));
    this.chat.start();
    inject(DestroyRef).onDestroy(() => this.chat.stop());
    effect(() => {
      if (!this.auth.signedIn()) this.chat.stop();
    });
    effect(() => {
      const notice = this.chat.notice();
      if (notice) this.snack.open(notice.text, 'Dismiss', { duration: 6000 });
    });
  }
}
