import { ChangeDetectionStrategy, Component } from '@angular/core';
import { Icon } from '../../core/ui/icon';

@Component({
  selector: 'chat-empty-pane',
  imports: [Icon],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="empty" data-testid="empty-pane">
      <chat-icon name="group" />
      <h2>No conversation selected</h2>
      <p>Pick one on the left, search for someone to message, or create a group.</p>
    </div>
  `,
  styles: `
    :host { display: grid; place-items: center; height: 100%; }
    .empty { text-align: center; color: var(--mat-sys-on-surface-variant); padding: 24px; }
    chat-icon { width: 56px; height: 56px; opacity: .5; }
    h2 { font: var(--mat-sys-title-large); margin: 12px 0 4px; }
  `,
})
export class EmptyPane {}
