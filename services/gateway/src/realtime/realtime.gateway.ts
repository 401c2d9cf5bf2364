import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { type OnGatewayConnection, type OnGatewayInit, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { randomUUID } from 'node:crypto';
import type { Server, Socket } from 'socket.io';
import {
  ChatError,
  parse,
  REQUEST_EVENTS,
  RequestSchemas,
  type Ack,
  type PushEvent,
  type RequestEvent,
} from '@chat/contracts';
import { KafkaBus } from '@chat/platform-kafka';
import { Metrics } from '@chat/platform-observability';
import proxyAddr, { compile as compileTrust } from 'proxy-addr';
import { trustedProxies, type Env } from '../config';
import { TokenService } from '../accounts/token.service';
import { RateLimiter } from './rate-limiter';
import { RepeatFilter } from './repeat-filter';
import { SocketQuota } from './socket-quota';
import { ROUTES } from './routes';

interface SocketData {
  userId: string;
  sessionId: string;
  /** The client's address: the peer's, or X-Forwarded-For's when the peer is a trusted proxy. */
  address: string;
}

function clientAddress(socket: Socket, trust: ReturnType<typeof compileTrust>): string {
  const req = { headers: socket.handshake.headers, connection: { remoteAddress: socket.handshake.address }, socket: { remoteAddress: socket.handshake.address } };
  return proxyAddr(req as unknown as Parameters<typeof proxyAddr>[0], trust);
}

const KNOWN_EVENTS: ReadonlySet<string> = new Set(REQUEST_EVENTS);

/**
 * A Socket.IO catch-all listener (`this` is the socket it is called on) that
 * hands known request events on; an unknown event that asks for an ack gets
 * VALIDATION_FAILED.
 */
function dispatcher(handle: (socket: Socket, event: RequestEvent, payload: unknown, ack: unknown) => void) {
  return function (this: Socket, event: string, payload?: unknown, ack?: unknown): void {
    if (KNOWN_EVENTS.has(event)) return handle(this, event as RequestEvent, payload, ack);
    const reply = typeof ack === 'function' ? ack : typeof payload === 'function' ? payload : undefined;
    reply?.({ ok: false, error: new ChatError('VALIDATION_FAILED', `unknown event "${String(event).slice(0, 64)}"`).toBody() });
  };
}
const userRoom = (userId: string) => `u:${userId}`;
const sessionRoom = (sessionId: string) => `s:${sessionId}`;

/**
 * The Socket.IO edge. It authenticates the handshake, validates each request's
 * shape, hands it to the owning service and acks with its answer; it pushes
 * what services deliver. It decides nothing itself.
 */
@WebSocketGateway()
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection, OnApplicationShutdown {
  @WebSocketServer() server!: Server;
  private readonly log = new Logger('RealtimeGateway');
  private readonly limiter: RateLimiter;
  private readonly startedAt = new Date().toISOString();
  private heartbeat?: NodeJS.Timeout;
  private readonly timeoutMs: number;
  private readonly requests;
  private readonly e2e;
  private readonly repeats = new RepeatFilter();
  private readonly repeatsDropped;
  private readonly quota: SocketQuota;
  private readonly trustProxy: ReturnType<typeof compileTrust>;

  constructor(
    private readonly bus: KafkaBus,
    private readonly tokens: TokenService,
    private readonly config: ConfigService<Env, true>,
    private readonly metrics: Metrics,
  ) {
    this.limiter = new RateLimiter(config.get('SOCKET_RATE_PER_SEC', { infer: true }), config.get('RATE_LIMITS', { infer: true }) === 'on');
    this.timeoutMs = config.get('REQUEST_TIMEOUT_MS', { infer: true });
    this.quota = new SocketQuota(config.get('SOCKETS_PER_USER', { infer: true }), config.get('SOCKETS_PER_ADDRESS', { infer: true }), config.get('RATE_LIMITS', { infer: true }) === 'on');
    this.trustProxy = compileTrust(trustedProxies({ TRUSTED_PROXIES: config.get('TRUSTED_PROXIES', { infer: true }) }) || []);
    this.requests = metrics.histogram('chat_socket_request_seconds', 'Socket request to ack, by event', ['event'], [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5]);
    this.e2e = metrics.histogram('chat_delivery_lag_seconds', 'Message stored to pushed by this gateway', [], [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]);
    this.repeatsDropped = metrics.counter('chat_repeated_pushes_dropped_total', 'message:new pushes dropped because this gateway had pushed them already');
    metrics.gauge('chat_connected_sockets', 'Sockets connected to this gateway', [], () => this.server?.engine?.clientsCount ?? 0);
  }

  get gatewayId(): string {
    return this.bus.options.instanceId;
  }

  afterInit(server: Server): void {
    server.use((socket, next) => {
      let principal: Omit<SocketData, 'address'>;
      try {
        principal = this.tokens.verify((socket.handshake.auth as { token?: unknown } | undefined)?.token);
      } catch {
        return next(new Error('UNAUTHENTICATED'));
      }
      const address = clientAddress(socket, this.trustProxy);
      if (!this.quota.take(principal.userId, address)) return next(new Error('RATE_LIMITED'));
      socket.data = { ...principal, address } satisfies SocketData;
      socket.once('disconnect', () => this.quota.release(principal.userId, address));
      next();
    });
    const leaseMs = this.config.get('PRESENCE_LEASE_MS', { infer: true });
    const beat = () =>
      void this.bus
        .emit('gateway.heartbeat', this.gatewayId, {
          gatewayId: this.gatewayId,
          at: new Date().toISOString(),
          leaseMs,
          socketCount: this.server.engine.clientsCount,
          startedAt: this.startedAt,
        })
        .catch(() => undefined);
    this.heartbeat = setInterval(beat, Math.floor(leaseMs / 3));
    this.heartbeat.unref();
    beat();
  }

  handleConnection(socket: Socket): void {
    const { userId, sessionId } = socket.data as SocketData;
    void socket.join([userRoom(userId), sessionRoom(sessionId)]);
    // One listener for every request event (not one per event): a socket costs less heap idle.
    socket.onAny(this.dispatch);
    socket.on('disconnect', () => {
      void this.bus
        .emit('socket.disconnected', userId, { gatewayId: this.gatewayId, socketId: socket.id, userId, at: new Date().toISOString() })
        .catch(() => undefined);
    });
    void this.bus
      .emit('socket.connected', userId, { gatewayId: this.gatewayId, socketId: socket.id, userId, at: new Date().toISOString() })
      .catch(() => undefined);
  }

  /** One function shared by every socket's onAny. */
  private readonly dispatch = dispatcher((socket, event, payload, ack) => void this.onRequest(socket, event, payload, ack));

  private async onRequest(socket: Socket, event: RequestEvent, payload: unknown, ack: unknown): Promise<void> {
    const started = performance.now();
    const { userId } = socket.data as SocketData;
    const correlationId = randomUUID();
    let answer: Ack<unknown>;
    try {
      if (!this.limiter.take(userId)) throw new ChatError('RATE_LIMITED', 'too many requests; slow down');
      const input = parse(RequestSchemas[event], payload);
      const route = ROUTES[event] as (p: unknown, ctx: Parameters<(typeof ROUTES)['typing']>[1]) => Promise<unknown>;
      const data = await route(input, { bus: this.bus, userId, socketId: socket.id, correlationId, timeoutMs: this.timeoutMs });
      answer = { ok: true, data };
    } catch (err) {
      const error = ChatError.from(err);
      if (!(err instanceof ChatError)) this.log.error({ err, event, correlationId }, 'socket request failed');
      this.metrics.errors.inc({ code: error.code });
      answer = { ok: false, error: error.toBody() };
    }
    const ms = performance.now() - started;
    this.requests.observe({ event }, ms / 1000);
    this.log.debug({ event, correlationId, userId, ms: Math.round(ms * 10) / 10, code: answer.ok ? 'ok' : answer.error.code }, 'socket request');
    if (typeof ack === 'function') ack(answer);
  }

  /**
   * Pushes one delivery item to every socket of the given users on this gateway. A catch-up
   * (a user's new socket that the router heard of late) skips the repeat filter: the router
   * sends it only what went to no socket of that user here, though other users here had it.
   */
  push(userIds: string[], event: PushEvent, data: unknown, sentAtMs?: number, exceptSocketId?: string, catchUp = false): void {
    if (userIds.length === 0) return;
    if (event === 'message:new' && !catchUp) {
      const { message } = data as { message: { conversationId: string; seq: number } };
      if (this.repeats.repeated(message.conversationId, message.seq)) {
        this.repeatsDropped.inc();
        return;
      }
    }
    // Every socket is in a room named by its id, so one socket is left out by leaving out its room.
    const to = this.server.to(userIds.map(userRoom));
    (exceptSocketId ? to.except(exceptSocketId) : to).emit(event, data);
    if (sentAtMs) this.e2e.observe((Date.now() - sentAtMs) / 1000);
  }

  endSession(sessionId: string): void {
    // Revocations read at start-up come before the socket server exists, and before any socket.
    this.server?.in(sessionRoom(sessionId)).disconnectSockets(true);
  }

  /** Drain: tell clients to go elsewhere, give them a moment, then close. */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.heartbeat);
    if (!this.server) return;
    this.server.emit('server:draining', {});
    const drainMs = this.config.get('DRAIN_MS', { infer: true });
    if (drainMs > 0 && this.server.engine.clientsCount > 0) await new Promise((r) => setTimeout(r, drainMs));
    await this.bus.emit('gateway.stopped', this.gatewayId, { gatewayId: this.gatewayId, at: new Date().toISOString() }).catch(() => undefined);
    this.server.disconnectSockets(true);
  }
}
