import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import type { AuthResult, Message, PushEvent, PushPayload } from '@chat/contracts';
import {
  anotherTab,
  connect,
  http,
  ok,
  Platform,
  Recorder,
  SERVICES,
  uniqueName,
  type ChatSocket,
  type PlatformOptions,
  type ServiceName,
  type TestUser,
} from '@chat/testing';

/**
 * Registers from a fresh client address (the test platform makes loopback
 * a trusted proxy), so registration limits never bite. Password hashing is
 * deliberately slow, and on a busy machine an answer may come too late: then
 * it tries again, and logs in if the first attempt made the account after all.
 */
export async function newUser(url: string, prefix = 'u'): Promise<TestUser> {
  const b = randomBytes(3);
  const username = uniqueName(prefix);
  const password = 'correct horse battery';
  const headers = { 'x-forwarded-for': `46.${b[0]}.${b[1]}.${((b[2] ?? 0) % 250) + 1}` };
  let auth: AuthResult | undefined;
  let timedOut = false;
  for (let attempt = 0; attempt < 15 && !auth; attempt++) {
    const res = await http<AuthResult>(url, 'POST', '/api/v1/auth/register', { username, password }, headers);
    if (res.status === 201) auth = res.body;
    else if (res.status === 409 && timedOut) {
      const login = await http<AuthResult>(url, 'POST', '/api/v1/auth/login', { username, password }, headers);
      if (login.status === 200) auth = login.body;
    } else if (res.status === 503) {
      timedOut = true;
      await sleep(2000);
    } else throw new Error(`register ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  if (!auth) throw new Error(`register ${username}: no answer`);
  const socket = await connect(url, auth.accessToken);
  return { ...auth, password, socket, pushes: new Recorder(socket) };
}

/** One socket of a user, on whichever gateway. */
export interface Tab {
  socket: ChatSocket;
  pushes: Recorder;
}

export function tabOn(url: string, user: TestUser): Promise<Tab> {
  return anotherTab(url, user);
}

/** How many pushes of an event matching the predicate a socket got so far. */
export function count<E extends PushEvent>(tab: Tab, event: E, match: (p: PushPayload<E>) => boolean = () => true): number {
  return tab.pushes.of(event).filter(match).length;
}

/**
 * Runs a set-up step again when the platform did not answer in time (a
 * consumer group still settling on a busy machine). Only for steps whose
 * repetition does no harm to the test.
 */
export async function retrying<T>(step: () => Promise<T>, attempts = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await step();
    } catch (err) {
      if (i >= attempts || !/UNAVAILABLE|no ack/.test(String(err))) throw err;
      await sleep(1000);
    }
  }
}

/** Opens the direct conversation of a pair and waits until both have heard of it. */
export async function directBetween(a: TestUser, b: TestUser): Promise<string> {
  const { conversation } = await retrying(() => ok(a.socket, 'conversation:direct', { userId: b.user.id }, 30000));
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

/**
 * Starts a process and, if the harness gives up on its health after its
 * minute (a machine shared by many test runs can take longer to start a
 * dozen Node processes), keeps waiting for the same process a while longer.
 */
export async function spawnPatiently(platform: Platform, name: ServiceName, index: number, port?: number, patienceMs = 240_000): Promise<void> {
  try {
    await platform.spawn(name, index, port);
    return;
  } catch (err) {
    if (!/did not become healthy/.test(String(err))) throw err;
  }
  const proc = platform.proc(name, index);
  const url = `http://127.0.0.1:${proc.port}${name === 'gateway' ? '/api/v1/health' : '/health'}`;
  const until = Date.now() + patienceMs;
  while (Date.now() < until) {
    if (proc.child.exitCode !== null) throw new Error(`${name} #${index} exited with ${proc.child.exitCode}`);
    const status = await fetch(url).then((r) => r.status, () => 0);
    if (status === 200) return;
    await sleep(500);
  }
  throw new Error(`${name} #${index} did not become healthy`);
}

/**
 * startPlatform, patient with slow starts: one process first (every service
 * creates the platform's topics at start, and a dozen processes racing to
 * create them on a loaded broker can crash one), then the rest at once; a
 * process that dies while starting gets a second chance. Takes the platform
 * made by the caller, so the caller can stop it even if this never finishes.
 */
export async function startPatiently(platform: Platform, replicas: PlatformOptions['replicas'] = {}): Promise<Platform> {
  const start = async (name: ServiceName, index: number) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await spawnPatiently(platform, name, index);
      } catch (err) {
        if (attempt >= 3 || !/exited/.test(String(err))) throw err;
      }
    }
  };
  const [first, ...rest] = SERVICES.flatMap((name) => Array.from({ length: replicas?.[name] ?? 1 }, (_, i) => [name, i] as const));
  if (first) await start(...first);
  await Promise.all(rest.map(([name, i]) => start(name, i)));
  return platform;
}

/** platform.restart, patient with a slow start. */
export function restartPatiently(platform: Platform, name: ServiceName, index: number): Promise<void> {
  return spawnPatiently(platform, name, index, platform.proc(name, index).port);
}

/**
 * The people of the messaging suites, on a platform with two gateways: alice
 * (gateway 0, a second tab on 1) and bob (gateway 1, a second tab on 0) with
 * their direct conversation, carol an outsider, and olga's group `groupName`
 * with adam and mia.
 */
export interface Cast {
  alice: TestUser;
  aliceTab: Tab;
  bob: TestUser;
  bobTab: Tab;
  carol: TestUser;
  olga: TestUser;
  adam: TestUser;
  mia: TestUser;
  direct: string;
  group: string;
}

export async function meetTheCast(platform: Platform, groupName: string, keep: (tab: Tab) => void): Promise<Cast> {
  const [gw0, gw1] = platform.urls as [string, string];
  // One after another: password hashing is slow on a busy machine.
  const alice = await newUser(gw0, 'alice');
  const bob = await newUser(gw1, 'bob');
  const carol = await newUser(gw0, 'carol');
  const olga = await newUser(gw0, 'olga');
  const adam = await newUser(gw1, 'adam');
  const mia = await newUser(gw0, 'mia');
  const aliceTab = await tabOn(gw1, alice);
  const bobTab = await tabOn(gw0, bob);
  for (const tab of [alice, bob, carol, olga, adam, mia, aliceTab, bobTab]) keep(tab);
  const direct = await directBetween(alice, bob);
  const made = await retrying(() => ok(olga.socket, 'group:create', { name: groupName, memberIds: [adam.user.id, mia.user.id] }, 30000));
  return { alice, aliceTab, bob, bobTab, carol, olga, adam, mia, direct, group: made.conversation.id };
}
