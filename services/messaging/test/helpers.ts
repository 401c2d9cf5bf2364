import { randomBytes } from 'node:crypto';
import type { AuthResult, Message, PushEvent, PushPayload } from '@chat/contracts';
import { anotherTab, connect, http, ok, Recorder, uniqueName, type ChatSocket, type TestUser } from '@chat/testing';

/** Registers from a fresh client address (the gateway trusts X-Forwarded-For from loopback), so registration limits never bite. */
export async function newUser(url: string, prefix = 'u'): Promise<TestUser> {
  const b = randomBytes(3);
  const username = uniqueName(prefix);
  const res = await http<AuthResult>(
    url,
    'POST',
    '/api/v1/auth/register',
    { username, password: 'correct horse battery' },
    { 'x-forwarded-for': `46.${b[0]}.${b[1]}.${((b[2] ?? 0) % 250) + 1}` },
  );
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  const socket = await connect(url, res.body.accessToken);
  return { ...res.body, password: 'correct horse battery', socket, pushes: new Recorder(socket) };
}

/** One socket of a user, on whichever gateway. */
export interface Tab {
  socket: ChatSocket;
  pushes: Recorder;
}

export function tabOn(url: string, user: TestUser): Promise<Tab> {
  return anotherTab(url, user);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How many pushes of an event matching the predicate a socket got so far. */
export function count<E extends PushEvent>(tab: Tab, event: E, match: (p: PushPayload<E>) => boolean = () => true): number {
  return tab.pushes.of(event).filter(match).length;
}

/** Opens the direct conversation of a pair and waits until both have heard of it. */
export async function directBetween(a: TestUser, b: TestUser): Promise<string> {
  const { conversation } = await ok(a.socket, 'conversation:direct', { userId: b.user.id });
  await b.pushes.waitFor('conversation:updated', (p) => p.conversation.id === conversation.id, 15000);
  return conversation.id;
}

export async function send(u: { socket: ChatSocket }, conversationId: string, text: string, clientMsgId = `k-${randomBytes(6).toString('hex')}`): Promise<Message> {
  return (await ok(u.socket, 'message:send', { conversationId, text, clientMsgId }, 20000)).message;
}

export function close(...tabs: ({ socket: ChatSocket } | undefined)[]): void {
  for (const t of tabs) t?.socket.close();
}

/** p-th percentile (0..100) of a list of numbers. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}
