import { randomBytes } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type {
  Ack,
  AckData,
  AuthResult,
  ClientToServerEvents,
  PushEvent,
  PushPayload,
  RequestEvent,
  ServerToClientEvents,
  User,
} from '@chat/contracts';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export function uniqueName(prefix = 'user'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export interface HttpAnswer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export async function http<T = unknown>(baseUrl: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer<T>> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* leave as text */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** Registers a fresh user and returns the protocol's answer. */
export async function register(baseUrl: string, username = uniqueName(), password = 'correct horse battery', displayName?: string): Promise<AuthResult & { password: string }> {
  const res = await http<AuthResult>(baseUrl, 'POST', '/api/v1/auth/register', { username, password, ...(displayName ? { displayName } : {}) });
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...res.body, password };
}

/** Connects a socket and waits for the handshake to finish (rejects with its error). */
export function connect(baseUrl: string, token: string, extra: Partial<Parameters<typeof io>[1]> = {}): Promise<ChatSocket> {
  const socket: ChatSocket = io(baseUrl, { path: '/socket.io', transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true, ...extra });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** Emits a request and resolves with its ack (raw: ok or not). */
export function request<E extends RequestEvent>(socket: ChatSocket, event: E, payload: unknown, timeoutMs = 15000): Promise<Ack<AckData<E>>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${event}: no ack in ${timeoutMs} ms`)), timeoutMs);
    (socket.emit as (e: string, p: unknown, cb: (a: Ack<AckData<E>>) => void) => void)(event, payload, (ack) => {
      clearTimeout(timer);
      resolve(ack);
    });
  });
}

/** Emits a request that must succeed and returns its data. */
export async function ok<E extends RequestEvent>(socket: ChatSocket, event: E, payload: unknown, timeoutMs?: number): Promise<AckData<E>> {
  const ack = await request(socket, event, payload, timeoutMs);
  if (!ack.ok) throw new Error(`${event} failed: ${ack.error.code} ${ack.error.message}`);
  return ack.data;
}

/** Records every push a socket receives, for later assertions. */
export class Recorder {
  readonly events: { event: PushEvent; data: unknown; at: number }[] = [];
  private waiters: { match: (e: PushEvent, d: unknown) => boolean; resolve: (d: unknown) => void }[] = [];

  constructor(readonly socket: ChatSocket) {
    socket.onAny((event: string, data: unknown) => {
      this.events.push({ event: event as PushEvent, data, at: Date.now() });
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(event as PushEvent, data)) return true;
        w.resolve(data);
        return false;
      });
    });
  }

  of<E extends PushEvent>(event: E): PushPayload<E>[] {
    return this.events.filter((e) => e.event === event).map((e) => e.data as PushPayload<E>);
  }

  /** Resolves with the first push (already received or coming) that matches. */
  waitFor<E extends PushEvent>(event: E, predicate: (data: PushPayload<E>) => boolean = () => true, timeoutMs = 10000): Promise<PushPayload<E>> {
    const seen = this.of(event).find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${event} matching in ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        match: (e, d) => e === event && predicate(d as PushPayload<E>),
        resolve: (d) => {
          clearTimeout(timer);
          resolve(d as PushPayload<E>);
        },
      });
    });
  }

  /** Asserts that nothing matching arrives within the window. */
  async expectNone<E extends PushEvent>(event: E, predicate: (data: PushPayload<E>) => boolean = () => true, windowMs = 1000): Promise<void> {
    await new Promise((r) => setTimeout(r, windowMs));
    const found = this.of(event).filter(predicate);
    if (found.length) throw new Error(`unexpected ${event}: ${JSON.stringify(found[0])}`);
  }
}

/** A registered user with one connected, recording socket. */
export interface TestUser {
  user: User;
  accessToken: string;
  refreshToken: string;
  password: string;
  socket: ChatSocket;
  pushes: Recorder;
}

export async function connectedUser(baseUrl: string, name?: string): Promise<TestUser> {
  const auth = await register(baseUrl, name ?? uniqueName());
  const socket = await connect(baseUrl, auth.accessToken);
  return { ...auth, socket, pushes: new Recorder(socket) };
}

/** Another socket (tab) of the same user. */
export async function anotherTab(baseUrl: string, user: Pick<TestUser, 'accessToken'>): Promise<{ socket: ChatSocket; pushes: Recorder }> {
  const socket = await connect(baseUrl, user.accessToken);
  return { socket, pushes: new Recorder(socket) };
}

export function closeAll(...sockets: (ChatSocket | undefined)[]): void {
  for (const s of sockets) s?.close();
}
