import { Injectable, inject } from '@angular/core';
import { Title } from '@angular/platform-browser';

/**
 * The tab's title and favicon carry the total unread count, so a message that
 * arrives while the tab is in the background shows in the browser's tab strip.
 */
@Injectable({ providedIn: 'root' })
export class TabBadge {
  private readonly title = inject(Title);
  private base = 'Chat';
  private count = 0;
  private plainIcon: string | null = null;

  setTitle(base: string): void {
    this.base = base;
    this.render();
  }

  setCount(count: number): void {
    if (count === this.count) return;
    this.count = count;
    this.render();
    this.drawIcon();
  }

  private render(): void {
    this.title.setTitle(this.count > 0 ? `(${this.count > 99 ? '99+' : this.count}) ${this.base}` : this.base);
  }

  /** A red badge with the count drawn over a plain icon; the page's own icon back at zero. */
  private drawIcon(): void {
    if (typeof document === 'undefined') return;
    const link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
    if (!link) return;
    this.plainIcon ??= link.href;
    if (this.count === 0) {
      link.href = this.plainIcon;
      link.dataset['unread'] = '0';
      return;
    }
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 32;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.fillStyle = '#3f51b5';
    ctx.beginPath();
    ctx.arc(16, 16, 14, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = '#d32f2f';
    ctx.beginPath();
    ctx.arc(22, 10, 10, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = '#fff';
    ctx.font = 'bold 13px sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(this.count > 9 ? '9+' : String(this.count), 22, 11);
    link.href = canvas.toDataURL('image/png');
    link.dataset['unread'] = String(this.count);
  }
}
