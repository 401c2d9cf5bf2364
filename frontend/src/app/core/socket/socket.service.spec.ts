import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import { ApiError } from '../api-error';
import { AuthStore } from '../auth/auth.store';
import { ChatSocket, SOCKET_FACTORY } from './socket.service';

type Handler = (...args: unknown[]) => void;

/** Just enough of a socket.io-client Socket for ChatSocket. */
class FakeIo {
  connected = false;
  active = true;
  readonly handlers = new Map<string, Handler[]>();
  anyHandler: Handler | null = null;
  readonly emitted: { event: string; args: unknown[] }[] = [];
  connectCalls = 0;
  disconnectCalls = 0;
  /** How the next request is answered: an ack, or an Error for a timeout. */
  answer: unknown = { ok: true, data: {} };

  on(event: string, h: Handler) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), h]);
    return this;
  }
  onAny(h: Handler) {
    this.anyHandler = h;
    return this;
  }
  removeAllListeners() {
    this.handlers.clear();
    return this;
  }
  connect() {
    this.connectCalls++;
    this.active = true;
    return this;
  }
  disconnect() {
    this.disconnectCalls++;
    this.active = false;
    this.connected = false;
    this.fire('disconnect', 'io client disconnect');
    return this;
  }
  timeout() {
    return {
      emit: (event: string, ...args: unknown[]) => {
        this.emitted.push({ event, args });
        const cb = args[args.length - 1] as (err: Error | null, ack?: unknown) => void;
        if (this.answer instanceof Error) cb(this.answer);
        else cb(null, this.answer);
      },
    };
  }
  emit(event: string, ...args: unknown[]) {
    this.emitted.push({ event, args });
    return this;
  }
  fire(event: string, ...args: unknown[]) {
    for (const h of this.handlers.get(event) ?? []) h(...args);
  }
  push(event: string, payload: unknown) {
    this.anyHandler?.(event, payload);
  }
}

describe('ChatSocket', () => {
  let fake: FakeIo;
  let options: Partial<ManagerOptions & SocketOptions> | undefined;
  let url: string | undefined;
  let auth: { accessToken: ReturnType<typeof vi.fn>; refresh: ReturnType<typeof vi.fn>; signedIn: ReturnType<typeof signal<boolean>>; sessionEnded: ReturnType<typeof vi.fn> };
  let socket: ChatSocket;

  beforeEach(() => {
    fake = new FakeIo();
    auth = {
      accessToken: vi.fn(() => Promise.resolve('token-1')),
      refresh: vi.fn(() => Promise.resolve('token-2')),
      signedIn: signal(true),
      sessionEnded: vi.fn(),
    };
    TestBed.configureTestingModule({
      providers: [
        { provide: AuthStore, useValue: auth },
        {
          provide: SOCKET_FACTORY,
          useValue: (u: string, o: Partial<ManagerOptions & SocketOptions>) => {
            url = u;
            options = o;
            return fake;
          },
        },
      ],
    });
    socket = TestBed.inject(ChatSocket);
  });

  function handshake() {
    fake.connected = true;
    fake.fire('connect');
  }

  it('connects to this origin over WebSocket only, at /socket.io, presenting the access token', async () => {
    socket.connect();
    expect(url).toBe(location.origin);
    expect(options?.path).toBe('/socket.io');
    expect(options?.transports).toEqual(['websocket']);
    const sent = await new Promise((resolve) => (options?.auth as (cb: (d: object) => void) => void)(resolve));
    expect(sent).toEqual({ token: 'token-1' });
    expect(socket.state()).toBe('connecting');
    handshake();
    expect(socket.state()).toBe('connected');
  });

  it('refreshes the token and connects again when the handshake is refused as UNAUTHENTICATED', async () => {
    socket.connect();
    fake.active = false;
    fake.fire('connect_error', new Error('UNAUTHENTICATED'));
    expect(socket.state()).toBe('reconnecting');
    await Promise.resolve();
    await Promise.resolve();
    expect(auth.refresh).toHaveBeenCalledTimes(1);
    expect(fake.connectCalls).toBe(1);
  });

  it('gives up and ends the session when fresh tokens keep being refused', async () => {
    socket.connect();
    for (let i = 0; i < 4; i++) {
      fake.fire('connect_error', new Error('UNAUTHENTICATED'));
      await Promise.resolve();
      await Promise.resolve();
    }
    expect(auth.sessionEnded).toHaveBeenCalled();
  });

  it('runs the connect handlers on every handshake, so the store can catch up', () => {
    const onConnect = vi.fn();
    socket.onConnect(onConnect);
    socket.connect();
    handshake();
    fake.connected = false;
    fake.fire('disconnect', 'transport close');
    expect(socket.state()).toBe('reconnecting');
    handshake();
    expect(onConnect).toHaveBeenCalledTimes(2);
  });

  it('checks the session and reconnects when the server closes the socket', async () => {
    socket.connect();
    handshake();
    fake.connected = false;
    fake.fire('disconnect', 'io server disconnect');
    await Promise.resolve();
    await Promise.resolve();
    expect(auth.refresh).toHaveBeenCalled();
    expect(fake.connectCalls).toBe(1);
  });

  it('leaves and comes back when the server says it is draining', () => {
    vi.useFakeTimers();
    try {
      socket.connect();
      handshake();
      fake.push('server:draining', {});
      expect(fake.disconnectCalls).toBe(1);
      expect(socket.state()).toBe('reconnecting');
      vi.advanceTimersByTime(1500);
      expect(fake.connectCalls).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('resolves a request with its ack data, checked against the contract', async () => {
    socket.connect();
    handshake();
    fake.answer = { ok: true, data: { users: [{ id: 'u2', username: 'bob', displayName: 'Bob' }] } };
    await expect(socket.request('user:search', { query: 'bo' })).resolves.toEqual({
      users: [{ id: 'u2', username: 'bob', displayName: 'Bob', avatarUrl: null }],
    });
    expect(fake.emitted[0]).toMatchObject({ event: 'user:search', args: [{ query: 'bo' }, expect.any(Function)] });
  });

  it('rejects a refusal with the server\'s code, a timeout as a retryable transport error, a malformed answer as INTERNAL', async () => {
    socket.connect();
    handshake();
    fake.answer = { ok: false, error: { code: 'FORBIDDEN', message: 'no' } };
    await expect(socket.request('group:delete', { conversationId: 'c1' })).rejects.toMatchObject({ code: 'FORBIDDEN', transport: false });
    fake.answer = new Error('operation has timed out');
    await expect(socket.request('group:delete', { conversationId: 'c1' })).rejects.toMatchObject({ code: 'UNAVAILABLE', transport: true });
    fake.answer = { ok: true, data: { users: 'nope' } };
    await expect(socket.request('user:search', { query: 'x' })).rejects.toBeInstanceOf(ApiError);
  });

  it('delivers valid pushes to their handlers and drops malformed ones', () => {
    const seen: unknown[] = [];
    socket.on('presence:update', (p) => seen.push(p));
    socket.connect();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    fake.push('presence:update', { userId: 'u2', online: true, lastSeenAt: null });
    fake.push('presence:update', { userId: 'u2', online: 'yes' });
    fake.push('not:an:event', {});
    warn.mockRestore();
    expect(seen).toEqual([{ userId: 'u2', online: true, lastSeenAt: null }]);
  });

  it('sends typing only while connected, without waiting for an ack', () => {
    socket.connect();
    socket.notify('typing', { conversationId: 'c1', typing: true });
    expect(fake.emitted).toHaveLength(0);
    handshake();
    socket.notify('typing', { conversationId: 'c1', typing: true });
    expect(fake.emitted).toEqual([{ event: 'typing', args: [{ conversationId: 'c1', typing: true }] }]);
  });
});
