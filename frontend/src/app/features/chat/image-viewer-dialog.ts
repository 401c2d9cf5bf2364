import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatButton, MatIconButton } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogClose, MatDialogContent } from '@angular/material/dialog';
import type { Attachment } from '@chat/contracts';
import { Icon } from '../../core/ui/icon';

/** An image of a message at full size, with its name and a download. */
@Component({
  selector: 'chat-image-viewer',
  imports: [MatDialogContent, MatDialogClose, MatButton, MatIconButton, Icon],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="bar">
      <span class="name">{{ image.name }}</span>
      <a matButton [href]="image.url" [attr.download]="image.name" data-testid="viewer-download"><chat-icon name="download" /> Download</a>
      <button matIconButton type="button" mat-dialog-close aria-label="Close" data-testid="viewer-close"><chat-icon name="close" /></button>
    </div>
    <mat-dialog-content class="content">
      <img [src]="image.url" [alt]="image.name" data-testid="viewer-image" />
    </mat-dialog-content>
  `,
  styles: `
    .bar { display: flex; align-items: center; gap: 8px; padding: 8px 8px 0 16px; }
    .name { flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font: var(--mat-sys-title-small); }
    .content { display: flex; justify-content: center; max-height: 80vh; }
    img { max-width: 100%; max-height: 75vh; object-fit: contain; }
  `,
})
export class ImageViewerDialog {
  protected readonly image = inject<Attachment>(MAT_DIALOG_DATA);
}
