import { Injectable, computed, inject, signal, untracked } from '@angular/core';
import { LIMITS, type Attachment } from '@chat/contracts';
import { describeError, ApiError } from '../../../core/api-error';
import { AuthStore } from '../../../core/auth/auth.store';
import { FilesApi } from '../../../core/files/files-api';

/** A file on its way into the next message of a conversation. */
export interface PendingUpload {
  readonly localId: string;
  readonly conversationId: string;
  readonly name: string;
  readonly size: number;
  /** 0..1 while sending. */
  readonly progress: number;
  /** Set once the server has it. */
  readonly attachment: Attachment | null;
  readonly error: string | null;
  /** A local preview of an image (an object URL), revoked when the upload leaves. */
  readonly preview: string | null;
}

/**
 * Files attached to the message being written, per conversation: each is
 * uploaded as soon as it is picked, dropped or pasted (with its progress),
 * and the message takes the ids of those that arrived.
 */
@Injectable({ providedIn: 'root' })
export class UploadsStore {
  private readonly api = inject(FilesApi);
  private readonly auth = inject(AuthStore);
  private readonly list = signal<readonly PendingUpload[]>([]);
  private next = 0;

  in(conversationId: string): PendingUpload[] {
    return this.list().filter((u) => u.conversationId === conversationId);
  }

  readonly busy = computed(() => new Set(this.list().filter((u) => !u.attachment && !u.error).map((u) => u.conversationId)));

  /** Starts uploading; answers a message for files beyond the per-message limit. */
  add(conversationId: string, files: readonly File[]): string | null {
    const room = LIMITS.attachmentsPerMessage - this.in(conversationId).length;
    for (const file of files.slice(0, Math.max(0, room))) void this.upload(conversationId, file);
    return files.length > room ? `A message can carry at most ${LIMITS.attachmentsPerMessage} files.` : null;
  }

  remove(localId: string): void {
    const gone = this.list().find((u) => u.localId === localId);
    if (gone?.preview) URL.revokeObjectURL(gone.preview);
    this.list.update((l) => l.filter((u) => u.localId !== localId));
  }

  /** The ids a send takes, and clears them from the composer. */
  take(conversationId: string): string[] {
    const ready = this.in(conversationId).filter((u) => u.attachment);
    for (const u of this.in(conversationId)) this.remove(u.localId);
    return ready.map((u) => u.attachment!.id);
  }

  /**
   * Signed out. Runs inside the effect that stops the chat, so it must not
   * track `list` (writing a signal the effect reads would run it again, forever).
   */
  reset(): void {
    const list = untracked(this.list);
    if (list.length === 0) return;
    for (const u of list) if (u.preview) URL.revokeObjectURL(u.preview);
    this.list.set([]);
  }

  private async upload(conversationId: string, file: File): Promise<void> {
    const localId = `up${++this.next}`;
    const preview = file.type.startsWith('image/') ? URL.createObjectURL(file) : null;
    this.list.update((l) => [...l, { localId, conversationId, name: file.name || 'pasted image', size: file.size, progress: 0, attachment: null, error: null, preview }]);
    try {
      const attachment = await this.api.upload(await this.auth.accessToken(), file, (progress) => this.patch(localId, { progress }));
      this.patch(localId, { attachment, progress: 1 });
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError('INTERNAL', 'unexpected error');
      this.patch(localId, { error: e.code === 'PAYLOAD_TOO_LARGE' ? 'This file is too large.' : describeError(e) });
    }
  }

  private patch(localId: string, patch: Partial<PendingUpload>): void {
    this.list.update((l) => l.map((u) => (u.localId === localId ? { ...u, ...patch } : u)));
  }
}
