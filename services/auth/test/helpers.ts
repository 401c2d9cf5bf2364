import { createHmac, randomBytes } from 'node:crypto';
import { http, type ChatSocket, type HttpAnswer } from '@chat/testing';
import type { AuthResult } from '@chat/contracts';

export const PASSWORD = 'correct horse battery';

/** A fresh public-looking client address (the test platform makes loopback a trusted proxy), so rate limits of one test do not leak into another. */
export function address(): string {
  const b = randomBytes(3);
  return `45.${b[0]}.${b[1]}.${(b[2]! % 250) + 1}`;
}

export function post<T = unknown>(url: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer<T>> {
  return http<T>(url, 'POST', path, body, { 'x-forwarded-for': address(), ...headers });
}

export async function registerUser(url: string, username: string, password = PASSWORD, displayName?: string): Promise<AuthResult & { password: string }> {
  const res = await post<AuthResult>(url, '/api/v1/auth/register', { username, password, ...(displayName !== undefined ? { displayName } : {}) });
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...res.body, password };
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** A JWT built by hand (node's crypto), for forged, expired and wrongly signed tokens. */
export function makeJwt(header: Record<string, unknown>, payload: Record<string, unknown>, secret?: string, hmac: 'sha256' | 'sha512' = 'sha256'): string {
  const head = `${b64(header)}.${b64(payload)}`;
  const sig = secret ? createHmac(hmac, secret).update(head).digest('base64url') : '';
  return `${head}.${sig}`;
}

export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
}

export function errorBody(code: string) {
  return { error: { code, message: expect.any(String) } };
}

/**
 * Waits until a registration goes all the way through (gateway → auth → users
 * and back): a service is healthy before its consumer group has its
 * partitions, which on a crowded machine can take a while.
 */
export async function warmUp(url: string, deadlineMs = 180_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const res = await post(url, '/api/v1/auth/register', { username: `warm_${randomBytes(5).toString('hex')}`, password: PASSWORD }).catch(() => null);
    if (res?.status === 201) return;
    if (Date.now() > until) throw new Error(`the platform did not register anyone in ${deadlineMs} ms: ${res?.status} ${JSON.stringify(res?.body)}`);
  }
}

/** Resolves once the socket is disconnected (at once when it already is). */
export function disconnected(s: ChatSocket, timeoutMs = 10_000): Promise<void> {
  if (!s.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket still connected')), timeoutMs);
    s.once('disconnect', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
