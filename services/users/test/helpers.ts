import { randomBytes } from 'node:crypto';
import { connect, http, Recorder, uniqueName, type ChatSocket, type TestUser } from '@chat/testing';
import type { AuthResult, Conversation } from '@chat/contracts';

/** Registers from a fresh client address (the test platform makes loopback a trusted proxy), so registration limits never bite a test. */
export async function newUser(url: string, prefix = 'u', displayName?: string): Promise<TestUser> {
  // UNAVAILABLE means "try again" (protocol.md); a crowded test machine can make a first registration miss the gateway's timeout.
  for (let attempt = 1; ; attempt++) {
    const b = randomBytes(3);
    const username = uniqueName(prefix);
    const res = await http<AuthResult>(
      url,
      'POST',
      '/api/v1/auth/register',
      { username, password: 'correct horse battery', ...(displayName ? { displayName } : {}) },
      { 'x-forwarded-for': `45.${b[0]}.${b[1]}.${(b[2]! % 250) + 1}` },
    );
    if (res.status === 503 && attempt < 3) continue;
    if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${JSON.stringify(res.body)}`);
    const socket = await connect(url, res.body.accessToken);
    return { ...res.body, password: 'correct horse battery', socket, pushes: new Recorder(socket) };
  }
}

export function roles(c: Pick<Conversation, 'members'>): Record<string, string> {
  return Object.fromEntries(c.members.map((m) => [m.userId, m.role]));
}

export function closeUsers(...users: { socket: ChatSocket }[]): void {
  for (const u of users) u.socket.close();
}

/**
 * Waits until a registration goes all the way through (gateway → auth → users
 * and back). A service is healthy before its consumer group has its
 * partitions, which on a crowded machine can take a while; tests start after.
 */
export async function warmUp(url: string, deadlineMs = 180_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      const u = await newUser(url, 'warm');
      u.socket.close();
      return;
    } catch (err) {
      if (Date.now() > until) throw err;
    }
  }
}
