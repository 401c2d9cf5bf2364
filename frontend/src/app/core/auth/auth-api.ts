import { HttpClient, HttpHeaders } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import {
  AuthResultSchema,
  MeResultSchema,
  SessionsResultSchema,
  type AuthResult,
  type SessionInfo,
  type User,
} from '@chat/contracts';
import { ApiError } from '../api-error';

const BASE = '/api/v1';

/** The REST half of the protocol; every answer is checked against the contract's schema. */
@Injectable({ providedIn: 'root' })
export class AuthApi {
  private readonly http = inject(HttpClient);

  register(username: string, password: string, displayName?: string): Promise<AuthResult> {
    const body = displayName ? { username, password, displayName } : { username, password };
    return this.post(`${BASE}/auth/register`, body).then(parseAuth);
  }

  login(username: string, password: string): Promise<AuthResult> {
    return this.post(`${BASE}/auth/login`, { username, password }).then(parseAuth);
  }

  /**
   * The refresh token travels in its HttpOnly cookie; the body stays empty. `attemptKey` is the
   * Idempotency-Key: the same key again after a lost answer gets the same pair (see refresh-attempt.ts).
   */
  async refresh(attemptKey: string): Promise<AuthResult> {
    try {
      const body = await firstValueFrom(this.http.post<unknown>(`${BASE}/auth/refresh`, {}, { headers: new HttpHeaders({ 'Idempotency-Key': attemptKey }) }));
      return parseAuth(body);
    } catch (err) {
      throw ApiError.fromHttp(err);
    }
  }

  async logout(accessToken: string, all = false): Promise<void> {
    await this.post(`${BASE}/auth/logout`, all ? { all } : {}, accessToken);
  }

  async changePassword(accessToken: string, currentPassword: string, newPassword: string): Promise<void> {
    await this.post(`${BASE}/auth/password`, { currentPassword, newPassword }, accessToken);
  }

  async sessions(accessToken: string): Promise<SessionInfo[]> {
    return SessionsResultSchema.parse(await this.call('GET', `${BASE}/auth/sessions`, accessToken)).sessions;
  }

  async endSession(accessToken: string, id: string): Promise<void> {
    await this.call('DELETE', `${BASE}/auth/sessions/${encodeURIComponent(id)}`, accessToken);
  }

  async updateMe(accessToken: string, displayName: string): Promise<User> {
    return MeResultSchema.parse(await this.call('PATCH', `${BASE}/me`, accessToken, { displayName })).user;
  }

  async deleteMe(accessToken: string, password: string): Promise<void> {
    await this.call('DELETE', `${BASE}/me`, accessToken, { password });
  }

  /** The export as the server wrote it, to be saved as a file. */
  async exportData(accessToken: string): Promise<Blob> {
    try {
      return await firstValueFrom(this.http.get(`${BASE}/me/export`, { headers: bearer(accessToken), responseType: 'blob' }));
    } catch (err) {
      throw ApiError.fromHttp(err);
    }
  }

  async me(accessToken: string): Promise<User> {
    try {
      const body = await firstValueFrom(this.http.get<unknown>(`${BASE}/me`, { headers: bearer(accessToken) }));
      return MeResultSchema.parse(body).user;
    } catch (err) {
      throw ApiError.fromHttp(err);
    }
  }

  private async call(method: 'GET' | 'PATCH' | 'DELETE', url: string, accessToken: string, body?: object): Promise<unknown> {
    try {
      return await firstValueFrom(this.http.request<unknown>(method, url, { headers: bearer(accessToken), ...(body ? { body } : {}) }));
    } catch (err) {
      throw ApiError.fromHttp(err);
    }
  }

  private async post(url: string, body: object, accessToken?: string): Promise<unknown> {
    try {
      return await firstValueFrom(
        this.http.post<unknown>(url, body, accessToken ? { headers: bearer(accessToken) } : {}),
      );
    } catch (err) {
      throw ApiError.fromHttp(err);
    }
  }
}

function bearer(token: string): HttpHeaders {
  return new HttpHeaders({ Authorization: `Bearer ${token}` });
}

function parseAuth(body: unknown): AuthResult {
  const parsed = AuthResultSchema.safeParse(body);
  if (!parsed.success) throw new ApiError('INTERNAL', 'unexpected answer from the server');
  return parsed.data;
}
