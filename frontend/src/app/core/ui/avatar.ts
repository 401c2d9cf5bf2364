import { ChangeDetectionStrategy, Component, computed, input, signal } from '@angular/core';

/**
 * A user's picture: their avatar when they have one (and it loads), else
 * their initials on a colour picked from the id, so a person looks the same
 * everywhere.
 */
@Component({
  selector: 'chat-avatar',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (url() && !failed()) {
      <img [src]="url()" alt="" [width]="size()" [height]="size()" loading="lazy" (error)="failed.set(true)" data-testid="avatar-image" />
    } @else {
      <span class="initials" [style.background]="colour()" aria-hidden="true">{{ initials() }}</span>
    }
  `,
  styles: `
    :host { display: inline-flex; flex: none; border-radius: 50%; overflow: hidden; width: var(--size); height: var(--size); }
    img { width: 100%; height: 100%; object-fit: cover; }
    .initials { display: flex; align-items: center; justify-content: center; width: 100%; height: 100%; color: #fff;
      font: 500 calc(var(--size) * 0.4) / 1 var(--mat-sys-body-medium-font, sans-serif); }
  `,
  host: { '[style.--size.px]': 'size()', 'data-testid': 'avatar', '[attr.data-has-image]': '!!url() && !failed()' },
})
export class Avatar {
  readonly name = input('');
  readonly userId = input('');
  readonly url = input<string | null | undefined>(null);
  readonly size = input(32);
  protected readonly failed = signal(false);
  protected readonly initials = computed(() =>
    this.name()
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((w) => [...w][0]!.toUpperCase())
      .join(''),
  );
  protected readonly colour = computed(() => {
    let h = 0;
    for (const c of this.userId()) h = (h * 31 + c.charCodeAt(0)) % 360;
    return `hsl(${h} 45% 45%)`;
  });
}
