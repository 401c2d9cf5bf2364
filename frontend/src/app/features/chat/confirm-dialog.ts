import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatButton } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialog, MatDialogActions, MatDialogClose, MatDialogContent, MatDialogTitle } from '@angular/material/dialog';

export interface ConfirmData {
  title: string;
  message: string;
  confirm: string;
}

/** A yes/no question; closes with true when confirmed. */
@Component({
  selector: 'chat-confirm-dialog',
  imports: [MatDialogTitle, MatDialogContent, MatDialogActions, MatDialogClose, MatButton],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2 mat-dialog-title>{{ data.title }}</h2>
    <mat-dialog-content><p>{{ data.message }}</p></mat-dialog-content>
    <mat-dialog-actions align="end">
      <button matButton type="button" [mat-dialog-close]="false" data-testid="confirm-cancel">Cancel</button>
      <button matButton="filled" type="button" [mat-dialog-close]="true" data-testid="confirm-ok" cdkFocusInitial>
        {{ data.confirm }}
      </button>
    </mat-dialog-actions>
  `,
})
export class ConfirmDialog {
  protected readonly data = inject<ConfirmData>(MAT_DIALOG_DATA);
}

/** Asks the question and, on yes, runs `then`. */
export function confirmThen(dialog: MatDialog, data: ConfirmData, then: () => unknown): void {
  dialog
    .open<ConfirmDialog, ConfirmData, boolean>(ConfirmDialog, { data })
    .afterClosed()
    .subscribe((ok) => {
      if (ok) void then();
    });
}
