import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { MatDialog } from '@angular/material/dialog';
import type { Attachment } from '@chat/contracts';
import { fileSize } from '../../core/ui/file-size';
import { Icon } from '../../core/ui/icon';
import { ImageViewerDialog } from './image-viewer-dialog';

/** A message's files: images as thumbnails that open the viewer, anything else as a card with its name, size and a download. */
@Component({
  selector: 'chat-attachment-list',
  imports: [Icon],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (images().length) {
      <div class="images">
        @for (a of images(); track a.id) {
          <button type="button" class="thumb" (click)="open(a)" [attr.aria-label]="'Open image ' + a.name" data-testid="attachment-image" [attr.data-name]="a.name">
            <img [src]="a.thumbnailUrl" [alt]="a.name" loading="lazy" [attr.width]="box(a).width" [attr.height]="box(a).height" data-testid="attachment-thumbnail" />
          </button>
        }
      </div>
    }
    @for (a of files(); track a.id) {
      <a class="card" [href]="a.url" [attr.download]="a.name" target="_blank" rel="noopener" data-testid="attachment-file" [attr.data-name]="a.name"
        [attr.aria-label]="'Download ' + a.name + ', ' + size(a.size)">
        <chat-icon name="file" />
        <span class="info"><span class="name">{{ a.name }}</span><span class="size">{{ size(a.size) }}</span></span>
        <chat-icon name="download" />
      </a>
    }
  `,
  styles: `
    :host { display: flex; flex-direction: column; gap: 6px; margin: 4px 0; }
    .images { display: flex; flex-wrap: wrap; gap: 6px; }
    .thumb { padding: 0; border: 0; background: none; cursor: zoom-in; border-radius: 8px; overflow: hidden; line-height: 0; }
    .thumb img { max-width: 240px; max-height: 240px; width: auto; height: auto; object-fit: cover; }
    .card { display: flex; align-items: center; gap: 10px; padding: 8px 12px; border-radius: 8px; max-width: 320px; text-decoration: none;
      color: inherit; background: var(--mat-sys-surface-container-high); }
    .info { display: flex; flex-direction: column; min-width: 0; flex: 1; }
    .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font: var(--mat-sys-body-medium); }
    .size { font: var(--mat-sys-body-small); color: var(--mat-sys-on-surface-variant); }
  `,
})
export class AttachmentList {
  private readonly dialog = inject(MatDialog);
  readonly attachments = input.required<readonly Attachment[]>();
  protected readonly images = computed(() => this.attachments().filter((a) => a.thumbnailUrl));
  protected readonly files = computed(() => this.attachments().filter((a) => !a.thumbnailUrl));
  protected readonly size = fileSize;

  /** The thumbnail's box (at most 240x240), so the list does not jump while it loads. */
  protected box(a: Attachment): { width: number; height: number } {
    const w = a.width ?? 240;
    const h = a.height ?? 240;
    const scale = Math.min(1, 240 / Math.max(w, h));
    return { width: Math.round(w * scale), height: Math.round(h * scale) };
  }

  protected open(a: Attachment): void {
    this.dialog.open(ImageViewerDialog, { data: a, maxWidth: '95vw', ariaLabel: a.name });
  }
}
