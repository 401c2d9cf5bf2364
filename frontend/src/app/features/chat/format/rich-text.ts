import { NgTemplateOutlet } from '@angular/common';
import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import type { Block } from './markdown';

/**
 * A message's text rendered from parseMarkdown's tree. Every node becomes one
 * fixed element and every string is interpolated, so the browser only ever
 * gets text nodes and the allowed elements; links open in a new tab without
 * the opener.
 */
@Component({
  selector: 'chat-rich-text',
  imports: [NgTemplateOutlet],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <ng-template #inline let-nodes>
      @for (n of nodes; track $index) {
        @switch (n.kind) {
          @case ('text') {{{ n.text }}}
          @case ('bold') {<strong><ng-container *ngTemplateOutlet="inline; context: { $implicit: n.children }" /></strong>}
          @case ('italic') {<em><ng-container *ngTemplateOutlet="inline; context: { $implicit: n.children }" /></em>}
          @case ('strike') {<del><ng-container *ngTemplateOutlet="inline; context: { $implicit: n.children }" /></del>}
          @case ('code') {<code>{{ n.text }}</code>}
          @case ('link') {<a [href]="n.href" target="_blank" rel="noopener noreferrer" data-testid="message-link">{{ n.label }}</a>}
          @case ('mention') {<span class="mention" [class.me]="n.me" data-testid="mention" [attr.data-user-id]="n.userId">{{ n.text }}</span>}
        }
      }
    </ng-template>
    @for (b of blocks(); track $index) {
      @switch (b.kind) {
        @case ('code') {<pre class="code-block"><code>{{ b.text }}</code></pre>}
        @case ('quote') {
          <blockquote>
            @for (line of b.lines; track $index) {
              @if (!$first) {<br />}<ng-container *ngTemplateOutlet="inline; context: { $implicit: line }" />
            }
          </blockquote>
        }
        @default {
          <p class="para">
            @for (line of b.lines; track $index) {
              @if (!$first) {<br />}<ng-container *ngTemplateOutlet="inline; context: { $implicit: line }" />
            }
          </p>
        }
      }
    }
  `,
  styles: `
    :host { display: block; overflow-wrap: anywhere; }
    .para, blockquote { margin: 0; white-space: pre-wrap; }
    blockquote { border-left: 3px solid var(--mat-sys-outline); padding-left: 8px; color: var(--mat-sys-on-surface-variant); }
    code { font-family: ui-monospace, monospace; font-size: 0.92em; background: var(--mat-sys-surface-container-highest); border-radius: 4px; padding: 0 3px; }
    .code-block { margin: 4px 0; padding: 8px; overflow-x: auto; background: var(--mat-sys-surface-container-highest); border-radius: 6px; }
    .code-block code { background: none; padding: 0; }
    a { color: inherit; text-decoration: underline; }
    .mention { font-weight: 600; color: var(--mat-sys-primary); }
    .mention.me { background: var(--mat-sys-tertiary-container); color: var(--mat-sys-on-tertiary-container); border-radius: 4px; padding: 0 2px; }
  `,
})
export class RichText {
  readonly blocks = input.required<readonly Block[]>();
}
