import { randomBytes } from 'node:crypto';
import { connect, http, Recorder, uniqueName, type ChatSocket, type TestUser } from '@chat/testing';
import type { AuthResult, Conversation } from '@chat/contracts';

/** Registers from a fresh client address (the gateway trusts X-Forwarded-For from loopback), so registration limits never bite a test. */
export async function newUser(url: string, prefix = 'u', displayName?: string): Promise<TestUser> {
  const b = randomBytes(3);
  const username = uniqueName(prefix);
  const res = await http<AuthResult>(
    url,
    'POST',
    '/api/v1/auth/register',
    { username, password: 'correct horse battery', ...(displayName ? { displayName } : {}) },
    { 'x-forwarded-for': `45.${b[0]}.${b[1]}.${(b[2]! % 250) + 1}` },
  );
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  const socket = await connect(url, res.body.accessToken);
  return { ...res.body, password: 'correct horse battery', socket, pushes: new Recorder(socket) };
}

export function roles(c: Pick<Conversation, 'members'>): Record<string, string> {
  return Object.fromEntries(c.members.map((m) => [m.userId, m.role]));
}

export function closeUsers(...users: { socket: ChatSocket }[]): void {
  for (const u of users) u.socket.close();
}
