import { createHmac } from 'node:crypto';

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** Builds a JWT by hand, so tests can forge every kind of bad token. */
export function makeJwt(header: Record<string, unknown>, claims: Record<string, unknown>, secret: string | null): string {
  const head = `${b64(header)}.${b64(claims)}`;
  if (secret === null) return `${head}.`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}
