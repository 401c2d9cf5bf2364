import { Injectable, InjectionToken, inject, signal } from '@angular/core';
import { io, type Socket } from 'socket.io-client';
import {
  AckSchemas,
  PushSchemas,
  type AckData,
  type ClientToServerEvents,
  type PushEvent,
  type PushPayload,
  type RequestEvent,
  type RequestPayload,
  type ServerToClientEvents,
} from '@chat/contracts';
import { ApiError } from '../api-error';
import { AuthStore } from '../auth/auth.store';

/**
 * idle: not started or stopped; connecting: first handshake; connected;
 * reconnecting: the connection was lost (or refused) and is being restored.
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting';

/** Longer than the gateway's own wait for a service, so its answer (even UNAVAILABLE) arrives first. */
export const REQUEST_TIMEOUT_MS = 15_000;

type PushHandler<E extends PushEvent> = (payload: PushPayload<E>) => void;
type AnyPushHandler = (payload: unknown) => void;
/** socket.io's typed emit cannot express "payload, then an ack that may fail"; this view can. */
type RawEmitter = { emit(event: string, ...args: unknown[]): unknown };

/** How a socket is made; tests put a fake in its place. */
export const SOCKET_FACTORY = new InjectionToken<typeof io>('SOCKET_FACTORY', { providedIn: 'root', factory: () => io });

/**
 * The one Socket.IO connection of the app, typed by the contracts library. It
 * only delivers: requests out (with their acks checked against the schema),
 * pushes in (checked the same way), and the connection's state. It decides
 * nothing about chat state; stores do.
 */
@Injectable({ providedIn: 'root' })
export class ChatSocket {
  private readonly auth = inject(AuthStore);
  private readonly makeSocket = inject(SOCKET_FACTORY);
  private socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  private readonly _state = signal<ConnectionState>('idle');
  readonly state = this._state.asReadonly();

  private readonly connectHandlers = new Set<() => void>();
  private readonly pushHandlers = new Map<PushEvent, Set<AnyPushHandler>>();
  private authRetries = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  /** Opens the connection (no-op when open). Every handshake asks the auth store for a fresh token. */
  connect(): void {
    if (this.socket) return;
    this._state.set('connecting');
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = this.makeSocket(location.origin, {
      path: '/socket.io',
      transports: ['websocket'],
      // Called on every (re)connection attempt, so a reconnect never presents an expired token.
      auth: (cb) => {
        this.auth.accessToken().then(
          (token) => cb({ token }),
          () => cb({ token: '' }),
        );
      },
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    this.socket = socket;

    socket.on('connect', () => {
      this.authRetries = 0;
      this._state.set('connected');
      for (const handler of [...this.connectHandlers]) handler();
    });
    socket.on('disconnect', (reason) => {
      if (this.socket !== socket) return;
      if (reason === 'io client disconnect') return; // ours: stop() or a deliberate reconnect
      this._state.set('reconnecting');
      // The server closed it on purpose (session ended, or it is leaving): socket.io will
      // not come back by itself. Check the session, then reconnect.
      if (reason === 'io server disconnect') this.reconnectAfterRefresh(socket);
    });
    socket.on('connect_error', (err) => {
      if (this.socket !== socket) return;
      this._state.set('reconnecting');
      // A refused handshake (middleware error) is not retried by socket.io; a network error is.
      if (err.message === 'UNAUTHENTICATED') this.reconnectAfterRefresh(socket);
      else if (!socket.active) this.scheduleReconnect(socket, 2000);
    });
    socket.onAny((event: string, ...args: unknown[]) => this.dispatch(event, args[0]));
  }

  /** Closes the connection for good (sign-out). */
  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    socket?.removeAllListeners();
    socket?.disconnect();
    this._state.set('idle');
  }

  /** The server is going away: leave now and come back (to another replica), spread out in time. */
  reconnectSoon(): void {
    const socket = this.socket;
    if (!socket) return;
    socket.disconnect();
    this._state.set('reconnecting');
    this.scheduleReconnect(socket, 200 + Math.random() * 800);
  }

  /** Runs `handler` after every successful handshake (the first and each reconnect). */
  onConnect(handler: () => void): () => void {
    this.connectHandlers.add(handler);
    return () => this.connectHandlers.delete(handler);
  }

  on<E extends PushEvent>(event: E, handler: PushHandler<E>): () => void {
    let set = this.pushHandlers.get(event);
    if (!set) this.pushHandlers.set(event, (set = new Set()));
    const h = handler as AnyPushHandler;
    set.add(h);
    return () => set.delete(h);
  }

  /**
   * Emits a request and resolves with its ack's data. A refusal rejects with the
   * server's code; a timeout or a dropped connection rejects with a transport
   * error (UNAVAILABLE, transport = true), which is safe to retry.
   */
  request<E extends RequestEvent>(event: E, payload: RequestPayload<E>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<AckData<E>> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new ApiError('UNAVAILABLE', 'not connected', true));
    return new Promise<AckData<E>>((resolve, reject) => {
      const emitter = socket.timeout(timeoutMs) as unknown as RawEmitter;
      emitter.emit(event, payload, (err: Error | null, ack: unknown) => {
        if (err) {
          reject(new ApiError('UNAVAILABLE', err.message, true));
          return;
        }
        try {
          resolve(readAck(event, ack));
        } catch (e) {
          reject(e);
        }
      });
    });
  }

  /** Fire-and-forget (typing): dropped while disconnected, since it would be stale by then. */
  notify(event: 'typing', payload: RequestPayload<'typing'>): void {
    if (this.socket?.connected) this.socket.emit(event, payload);
  }

  private dispatch(event: string, payload: unknown): void {
    if (!(event in PushSchemas)) return;
    const name = event as PushEvent;
    const parsed = PushSchemas[name].safeParse(payload);
    if (!parsed.success) {
      console.warn(`ignored a malformed ${name} push`, parsed.error.issues);
      return;
    }
    if (name === 'server:draining') this.reconnectSoon();
    for (const handler of [...(this.pushHandlers.get(name) ?? [])]) handler(parsed.data);
  }

  private reconnectAfterRefresh(socket: Socket): void {
    if (!this.auth.signedIn()) return;
    if (++this.authRetries > 3) {
      // Fresh tokens keep being refused: treat the session as over rather than loop.
      this.auth.sessionEnded();
      return;
    }
    this.auth.refresh().then(
      () => {
        if (this.socket === socket && !socket.connected) socket.connect();
      },
      (err: unknown) => {
        // UNAUTHENTICATED: the auth store has ended the session. Anything else: try again later.
        if (!(err instanceof ApiError && err.code === 'UNAUTHENTICATED')) {
          this.authRetries--;
          this.scheduleReconnect(socket, 2000);
        }
      },
    );
  }

  private scheduleReconnect(socket: Socket, delayMs = 1000): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.socket === socket && !socket.connected) socket.connect();
    }, delayMs);
  }
}

function readAck<E extends RequestEvent>(event: E, ack: unknown): AckData<E> {
  if (typeof ack !== 'object' || ack === null || !('ok' in ack)) {
    throw new ApiError('INTERNAL', `malformed answer to ${event}`);
  }
  if (ack.ok === true && 'data' in ack) {
    const parsed = AckSchemas[event].safeParse(ack.data);
    if (!parsed.success) {
      console.warn(`malformed ${event} answer`, parsed.error.issues);
      throw new ApiError('INTERNAL', `malformed answer to ${event}`);
    }
    return parsed.data as AckData<E>;
  }
  if (ack.ok === false && 'error' in ack && typeof ack.error === 'object' && ack.error !== null) {
    const error = ack.error as { code?: unknown; message?: unknown };
    throw ApiError.fromBody({
      code: typeof error.code === 'string' ? (error.code as ApiError['code']) : 'INTERNAL',
      message: typeof error.message === 'string' ? error.message : '',
    });
  }
  throw new ApiError('INTERNAL', `malformed answer to ${event}`);
}
