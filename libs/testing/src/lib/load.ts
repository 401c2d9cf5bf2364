import type { Ack, Message } from '@chat/contracts';
import { connect, register, request, uniqueName, type ChatSocket } from './client';

/**
 * A request the load's own setup and check make: UNAVAILABLE means "try again" (protocol.md),
 * so it is asked again for up to a minute, as a client would; any other refusal fails at once.
 */
async function untilAvailable<T>(ask: () => Promise<Ack<T>>, what: string, forMs = 60_000): Promise<T> {
  const deadline = Date.now() + forMs;
  for (;;) {
    const ack = await ask().catch(() => null);
    if (ack?.ok) return ack.data;
    if (ack && ack.error.code !== 'UNAVAILABLE') throw new Error(`${what} failed: ${ack.error.code} ${ack.error.message}`);
    if (Date.now() > deadline) throw new Error(`${what} still unavailable after ${forMs} ms${ack ? `: ${ack.error.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** One socket of a member, following gateways as they come and go, and counting what it hears. */
class Follower {
  socket?: ChatSocket;
  /** message id → how many `message:new` pushes carried it */
  readonly live = new Map<string, number>();
  /** ids this socket had to read from history (after a reconnect or a seq gap) */
  readonly caughtUp = new Set<string>();
  /** conversation id → highest seq this socket has */
  readonly lastSeq = new Map<string, number>();
  reconnects = 0;
  private closed = false;

  constructor(
    private readonly urls: () => string[],
    private readonly token: string,
    private readonly conversationIds: string[],
    private preferred: number,
  ) {
    for (const id of conversationIds) this.lastSeq.set(id, 0);
  }

  async open(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      const urls = this.urls();
      const url = urls[(this.preferred + attempt) % urls.length]!;
      try {
        const socket = await connect(url, this.token);
        this.socket = socket;
        socket.on('message:new', ({ message }) => {
          const last = this.lastSeq.get(message.conversationId);
          if (last === undefined) return;
          this.live.set(message.id, (this.live.get(message.id) ?? 0) + 1);
          if (message.seq > last + 1) void this.catchUp(message.conversationId);
          this.lastSeq.set(message.conversationId, Math.max(last, message.seq));
        });
        socket.on('disconnect', () => {
          if (this.closed) return;
          this.reconnects++;
          setTimeout(() => void this.open().then(() => this.catchUpAll()), 200);
        });
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  }

  catchUpAll(): Promise<void> {
    return Promise.all(this.conversationIds.map((id) => this.catchUp(id))).then(() => undefined);
  }

  /** What a client does after a reconnect or a seq gap: history after the last seq it has. */
  async catchUp(conversationId: string): Promise<void> {
    const socket = this.socket;
    if (!socket?.connected) return;
    for (let i = 0; i < 100; i++) {
      const afterSeq = this.lastSeq.get(conversationId) ?? 0;
      const ack = await request(socket, 'message:history', { conversationId, afterSeq, limit: 100 }).catch(() => null);
      if (!ack || !ack.ok) return;
      for (const m of ack.data.messages) {
        if (!this.live.has(m.id)) this.caughtUp.add(m.id);
        this.lastSeq.set(conversationId, Math.max(this.lastSeq.get(conversationId) ?? 0, m.seq));
      }
      if (!ack.data.hasMore) return;
    }
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
  }
}

/** The emoji the load reacts with. */
const REACTION = '👍';

export interface LoadOptions {
  /** Gateway URLs, asked again at each reconnect (a killed gateway drops out). */
  urls: () => string[];
  members?: number;
  senders?: number;
  /**
   * Groups the load spreads over (every member in each, each sender writing to them in
   * turn). Several, so their keys land on many partitions and a fault on any one
   * replica of a service meets messages in flight.
   */
  conversations?: number;
  messagesPerSender?: number;
  /** Pause between one sender's messages. */
  intervalMs?: number;
  /** A send not acked within this long is retried with the same clientMsgId. */
  ackTimeoutMs?: number;
  /** The whole load gives up after this long. */
  deadlineMs?: number;
}

export interface LoadReport {
  sent: number;
  acked: number;
  lost: number;
  duplicated: number;
  /** Sends repeated with their clientMsgId (after a timeout or an UNAVAILABLE/INTERNAL answer). */
  retries: number;
  /** Why each retry happened: an error code, or `timeout` when no answer came in time. */
  retryCauses: Record<string, number>;
  stored: number;
  /** Every conversation's history has seq 1..n without a hole. */
  seqContiguous: boolean;
  /** Sockets that missed a stored message even after catching up. */
  socketsMissing: number;
  /** Sockets that stayed connected throughout yet missed a live push of a stored message. */
  steadySocketsMissingLive: number;
  /** Messages a socket read only from history (reconnects, seq gaps), summed over sockets. */
  caughtUp: number;
  /** Pushes of one message to one socket beyond the first. */
  duplicatePushes: number;
  /** Acked replies whose stored copy does not answer the message they named. */
  repliesBroken: number;
  /** Acked reactions missing from their message's history. */
  reactionsLost: number;
  /** Longest time between two acks (how long service was interrupted). */
  longestGapMs: number;
  reconnects: number;
}

/**
 * A bounded chat load for fault tests: members of several groups, some sending on a
 * schedule and retrying on timeout with the same clientMsgId, every member's socket
 * following the gateways and catching up after reconnects. `verify()` checks the
 * outcome through the protocol alone, and reports what had to be repaired (retries,
 * catch-ups) apart from what was delivered live, so a test can bound both.
 */
export class ChatLoad {
  private readonly o: Required<LoadOptions>;
  conversationIds: string[] = [];
  private followers: Follower[] = [];
  private senderTokens: string[] = [];
  private readonly acked = new Map<string, Message>();
  private sent = 0;
  private retries = 0;
  private readonly retryCauses: Record<string, number> = {};
  private ackTimes: number[] = [];
  private readonly progress: { atLeast: number; resolve: () => void }[] = [];
  /** The latest acked message of each conversation, which the next reply there answers. */
  private readonly latest = new Map<string, string>();
  /** Acked replies: reply id → the id it answers. */
  private readonly replies = new Map<string, string>();
  /** Acked reactions: message id → who reacted with REACTION. */
  private readonly reactions = new Map<string, Set<string>>();

  constructor(opts: LoadOptions) {
    this.o = { members: 4, senders: 2, conversations: 8, messagesPerSender: 100, intervalMs: 30, ackTimeoutMs: 3000, deadlineMs: 120_000, ...opts };
  }

  /** The first conversation (loads of one conversation). */
  get conversationId(): string {
    return this.conversationIds[0]!;
  }

  async setup(): Promise<void> {
    const urls = this.o.urls();
    const users = await Promise.all(Array.from({ length: this.o.members }, () => register(urls[0]!, uniqueName('load'))));
    const owner = await connect(urls[0]!, users[0]!.accessToken);
    for (let i = 0; i < this.o.conversations; i++) {
      const { conversation } = await untilAvailable(() => request(owner, 'group:create', { name: `load ${i}`, memberIds: users.slice(1).map((u) => u.user.id) }), 'group:create');
      this.conversationIds.push(conversation.id);
    }
    owner.close();
    this.senderTokens = users.slice(0, this.o.senders).map((u) => u.accessToken);
    // Every member listens on one socket, spread over the gateways; the first member on two.
    const tokens = [...users.map((u) => u.accessToken), users[0]!.accessToken];
    this.followers = tokens.map((t, i) => new Follower(this.o.urls, t, this.conversationIds, i));
    await Promise.all(this.followers.map((f) => f.open()));
  }

  /** Resolves once this many sends have been acked: a fault triggered by progress, not by a sleep. */
  untilAcked(atLeast: number): Promise<void> {
    if (this.acked.size >= atLeast) return Promise.resolve();
    return new Promise((resolve) => this.progress.push({ atLeast, resolve }));
  }

  /** Runs every sender to completion (or the deadline); resolves when all are done. */
  async run(): Promise<void> {
    const deadline = Date.now() + this.o.deadlineMs;
    await Promise.all(this.senderTokens.map((token, s) => this.sender(token, s, deadline)));
  }

  private onAck(message: Message): void {
    this.acked.set(message.id, message);
    this.latest.set(message.conversationId, message.id);
    this.ackTimes.push(Date.now());
    for (const p of this.progress.filter((x) => this.acked.size >= x.atLeast)) {
      this.progress.splice(this.progress.indexOf(p), 1);
      p.resolve();
    }
  }

  private async sender(token: string, index: number, deadline: number): Promise<void> {
    let socket: ChatSocket | undefined;
    let next = index;
    const ensure = async () => {
      while (!socket?.connected && Date.now() < deadline) {
        const urls = this.o.urls();
        try {
          socket = await connect(urls[next++ % urls.length]!, token);
        } catch {
          await new Promise((r) => setTimeout(r, 300));
        }
      }
    };
    for (let i = 0; i < this.o.messagesPerSender && Date.now() < deadline; i++) {
      const clientMsgId = `s${index}-m${i}`;
      const conversationId = this.conversationIds[(index + i) % this.conversationIds.length]!;
      // Every fourth message answers the conversation's latest; chosen once, so a retry asks the same.
      const replyTo = i % 4 === 1 ? this.latest.get(conversationId) : undefined;
      this.sent++;
      let stored: Message | undefined;
      let cause = '';
      for (let attempt = 0; Date.now() < deadline; attempt++) {
        if (attempt > 0) {
          this.retries++;
          this.retryCauses[cause] = (this.retryCauses[cause] ?? 0) + 1;
        }
        await ensure();
        if (!socket) break;
        const payload = { conversationId, text: `load ${clientMsgId}`, clientMsgId, ...(replyTo ? { replyTo } : {}) };
        const ack = await request(socket, 'message:send', payload, this.o.ackTimeoutMs).catch(() => null);
        if (ack?.ok) {
          stored = ack.data.message;
          if (replyTo) this.replies.set(stored.id, replyTo);
          this.onAck(stored);
          break;
        }
        // Only what the protocol says may be retried with the same clientMsgId; anything else is a failure.
        if (ack && !ack.ok && ack.error.code !== 'UNAVAILABLE' && ack.error.code !== 'INTERNAL') {
          throw new Error(`send refused: ${ack.error.code} ${ack.error.message}`);
        }
        cause = ack ? ack.error.code : 'timeout';
        await new Promise((r) => setTimeout(r, 200));
      }
      // Every fifth acked message gets its sender's reaction (idempotent, so retried like a send).
      if (stored && i % 5 === 0) await this.react(stored, () => ensure().then(() => socket), deadline);
      await new Promise((r) => setTimeout(r, this.o.intervalMs));
    }
    socket?.close();
  }

  private async react(message: Message, socketOf: () => Promise<ChatSocket | undefined>, deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      const socket = await socketOf();
      if (!socket) return;
      const ack = await request(socket, 'reaction:add', { messageId: message.id, emoji: REACTION }, this.o.ackTimeoutMs).catch(() => null);
      if (ack?.ok) {
        this.reactions.set(message.id, new Set([...(this.reactions.get(message.id) ?? []), message.senderId]));
        return;
      }
      if (ack && !ack.ok && ack.error.code !== 'UNAVAILABLE' && ack.error.code !== 'INTERNAL') {
        throw new Error(`reaction refused: ${ack.error.code} ${ack.error.message}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Checks the outcome through the protocol: history, seq, and what each socket heard. */
  async verify(): Promise<LoadReport> {
    // Give in-flight pushes a moment, then let every socket catch up as a client would.
    await new Promise((r) => setTimeout(r, 1500));
    await Promise.all(this.followers.map((f) => f.catchUpAll()));
    const reader = this.followers[0]!.socket!;
    const history: Message[] = [];
    let seqContiguous = true;
    for (const conversationId of this.conversationIds) {
      const own: Message[] = [];
      let afterSeq = 0;
      for (let i = 0; i < 1000; i++) {
        const page = await untilAvailable(() => request(reader, 'message:history', { conversationId, afterSeq, limit: 100 }), 'message:history');
        own.push(...page.messages);
        if (!page.hasMore || page.messages.length === 0) break;
        afterSeq = page.messages[page.messages.length - 1]!.seq;
      }
      if (!own.every((m, i) => m.seq === i + 1)) seqContiguous = false;
      history.push(...own);
    }
    const keys = history.map((m) => `${m.senderId}/${m.clientMsgId}`);
    const duplicated = keys.length - new Set(keys).size;
    const stored = new Set(history.map((m) => m.id));
    const lost = [...this.acked.keys()].filter((id) => !stored.has(id)).length;
    let socketsMissing = 0;
    let steadySocketsMissingLive = 0;
    let duplicatePushes = 0;
    let caughtUp = 0;
    for (const f of this.followers) {
      const heard = new Set([...f.live.keys(), ...f.caughtUp]);
      if ([...stored].some((id) => !heard.has(id))) socketsMissing++;
      if (f.reconnects === 0 && [...stored].some((id) => !f.live.has(id))) steadySocketsMissingLive++;
      caughtUp += [...f.caughtUp].filter((id) => stored.has(id) && !f.live.has(id)).length;
      for (const n of f.live.values()) duplicatePushes += n - 1;
    }
    const byId = new Map(history.map((m) => [m.id, m]));
    const repliesBroken = [...this.replies].filter(([id, original]) => byId.has(id) && byId.get(id)!.replyTo?.messageId !== original).length;
    const reactionsLost = [...this.reactions].filter(([id, who]) => {
      const held = byId.get(id)?.reactions.find((r) => r.emoji === REACTION)?.userIds ?? [];
      return [...who].some((u) => !held.includes(u));
    }).length;
    const times = [...this.ackTimes].sort((a, b) => a - b);
    let longestGapMs = 0;
    for (let i = 1; i < times.length; i++) longestGapMs = Math.max(longestGapMs, times[i]! - times[i - 1]!);
    return {
      sent: this.sent,
      acked: this.acked.size,
      lost,
      duplicated,
      retries: this.retries,
      retryCauses: { ...this.retryCauses },
      stored: history.length,
      seqContiguous,
      socketsMissing,
      steadySocketsMissingLive,
      caughtUp,
      duplicatePushes,
      repliesBroken,
      reactionsLost,
      longestGapMs,
      reconnects: this.followers.reduce((n, f) => n + f.reconnects, 0),
    };
  }

  close(): void {
    for (const f of this.followers) f.close();
  }
}
