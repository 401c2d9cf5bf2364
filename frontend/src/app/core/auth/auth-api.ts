import { HttpClient, HttpHeaders } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import { AuthResultSchema, MeResultSchema, type AuthResult, type User } from '@chat/contracts';
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

  /** The refresh token travels in its HttpOnly cookie; the body stays empty. */
  refresh(): Promise<AuthResult> {
    return this.post(`${BASE}/auth/refresh`, {}).then(parseAuth);
  }

  async logout(accessToken: string): Promise<void> {
    await this.post(`${BASE}/auth/logout`, {}, accessToken);
  }

  async me(accessToken: string): Promise<User> {
    try {
      const body = await firstValueFrom(this.http.get<unknown>(`${BASE}/me`, { headers: bearer(accessToken) }));
      return MeResultSchema.parse(body).user;
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
