import { signal } from '@angular/core';
import type { AckData, Conversation, Message, PushEvent, PushPayload, RequestEvent, RequestPayload } from '@chat/contracts';
import { ApiError } from '../core/api-error';
import type { ConnectionState } from '../core/socket/socket.service';

type Responder<E extends RequestEvent> = (payload: RequestPayload<E>) => AckData<E> | Promise<AckData<E>>;

/** Stands in for ChatSocket in unit tests: records requests, answers them from `responders`, and lets tests push. */
export class FakeChatSocket {
  readonly state = signal<ConnectionState>('idle');
  connected = false;
  readonly requests: { event: RequestEvent; payload: unknown }[] = [];
  readonly notified: { event: string; payload: unknown }[] = [];
  responders: { [E in RequestEvent]?: Responder<E> } = {};
  private readonly handlers = new Map<string, Set<(p: unknown) => void>>();
  private readonly connectHandlers = new Set<() => void>();

  connect(): void {
    /* tests call open() */
  }

  stop(): void {
    this.connected = false;
    this.state.set('idle');
  }

  onConnect(handler: () => void): () => void {
    this.connectHandlers.add(handler);
    return () => this.connectHandlers.delete(handler);
  }

  on<E extends PushEvent>(event: E, handler: (payload: PushPayload<E>) => void): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    const h = handler as (p: unknown) => void;
    set.add(h);
    return () => set.delete(h);
  }

  request<E extends RequestEvent>(event: E, payload: RequestPayload<E>): Promise<AckData<E>> {
    this.requests.push({ event, payload });
    const responder = this.responders[event] as Responder<E> | undefined;
    if (!responder) return Promise.reject(new ApiError('UNAVAILABLE', `no responder for ${event}`, true));
    try {
      return Promise.resolve(responder(payload));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  notify(event: string, payload: unknown): void {
    this.notified.push({ event, payload });
  }

  // ---- test controls ----

  open(): void {
    this.connected = true;
    this.state.set('connected');
    for (const h of [...this.connectHandlers]) h();
  }

  drop(): void {
    this.connected = false;
    this.state.set('reconnecting');
  }

  push<E extends PushEvent>(event: E, payload: PushPayload<E>): void {
    for (const h of [...(this.handlers.get(event) ?? [])]) h(payload);
  }

  sentOf<E extends RequestEvent>(event: E): RequestPayload<E>[] {
    return this.requests.filter((r) => r.event === event).map((r) => r.payload as RequestPayload<E>);
  }
}

export function message(conversationId: string, seq: number, senderId: string, patch: Partial<Message> = {}): Message {
  return {
    id: `${conversationId}-${seq}`,
    conversationId,
    seq,
    senderId,
    text: `message ${seq}`,
    clientMsgId: `cm-${senderId}-${seq}`,
    createdAt: new Date(Date.UTC(2026, 0, 1, 10, 0, seq)).toISOString(),
    editedAt: null,
    deletedAt: null,
    replyTo: null,
    mentions: [],
    reactions: [],
    attachments: [],
    ...patch,
  };
}

export function conversation(id: string, memberIds: string[], patch: Partial<Conversation> = {}): Conversation {
  return {
    id,
    type: 'direct',
    name: null,
    members: memberIds.map((userId) => ({ userId, role: 'member' as const })),
    lastSeq: 0,
    lastMessage: null,
    unread: 0,
    mentions: 0,
    muted: false,
    createdAt: '2026-01-01T09:00:00.000Z',
    updatedAt: '2026-01-01T09:00:00.000Z',
    ...patch,
  };
}

/** Lets pending promise callbacks run. */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
