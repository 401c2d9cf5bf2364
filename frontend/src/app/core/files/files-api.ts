import { HttpClient, HttpEventType, HttpHeaders, HttpRequest } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom, lastValueFrom, tap } from 'rxjs';
import { MeResultSchema, UPLOAD_FIELD, UploadResultSchema, type Attachment, type User } from '@chat/contracts';
import { ApiError } from '../api-error';

const BASE = '/api/v1';

function form(file: Blob, name: string): FormData {
  const body = new FormData();
  body.append(UPLOAD_FIELD, file, name);
  return body;
}

/** Files over REST: uploads (with progress) and the avatar. Answers are checked against the contract's schemas. */
@Injectable({ providedIn: 'root' })
export class FilesApi {
  private readonly http = inject(HttpClient);

  /** Uploads one file; `progress` gets the fraction sent (0..1) as it goes. */
  async upload(accessToken: string, file: File, progress: (fraction: number) => void): Promise<Attachment> {
    const req = new HttpRequest('POST', `${BASE}/uploads`, form(file, file.name || 'pasted'), {
      headers: new HttpHeaders({ Authorization: `Bearer ${accessToken}` }),
      reportProgress: true,
    });
    try {
      const last = await lastValueFrom(
        this.http.request<unknown>(req).pipe(
          tap((e) => {
            if (e.type === HttpEventType.UploadProgress && e.total) progress(e.loaded / e.total);
          }),
        ),
      );
      if (last.type !== HttpEventType.Response) throw new ApiError('INTERNAL', 'unexpected answer from the server');
      return UploadResultSchema.parse(last.body).attachment;
    } catch (err) {
      throw err instanceof ApiError ? err : ApiError.fromHttp(err);
    }
  }

  async setAvatar(accessToken: string, file: File): Promise<User> {
    try {
      const body = await firstValueFrom(this.http.put<unknown>(`${BASE}/me/avatar`, form(file, file.name || 'avatar'), { headers: new HttpHeaders({ Authorization: `Bearer ${accessToken}` }) }));
      return MeResultSchema.parse(body).user;
    } catch (err) {
      throw ApiError.fromHttp(err);
    }
  }

  async removeAvatar(accessToken: string): Promise<void> {
    try {
      await firstValueFrom(this.http.delete(`${BASE}/me/avatar`, { headers: new HttpHeaders({ Authorization: `Bearer ${accessToken}` }) }));
    } catch (err) {
      throw ApiError.fromHttp(err);
    }
  }
}
