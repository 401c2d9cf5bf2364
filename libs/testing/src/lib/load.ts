import type { Message } from '@chat/contracts';
import { connect, ok, register, request, uniqueName, type ChatSocket } from './client';

/** One socket of a member, following gateways as they come and go, and counting what it hears. */
class Follower {
  socket?: ChatSocket;
  /** message id → how many `message:new` pushes carried it */
  readonly live = new Map<string, number>();
  readonly caughtUp = new Set<string>();
  lastSeq = 0;
  reconnects = 0;
  private closed = false;

  constructor(
    private readonly urls: () => string[],
    private readonly token: string,
    private readonly conversationId: string,
    private preferred: number,
  ) {}

  async open(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      const urls = this.urls();
      const url = urls[(this.preferred + attempt) % urls.length]!;
      try {
        const socket = await connect(url, this.token);
        this.socket = socket;
        socket.on('message:new', ({ message }) => {
          if (message.conversationId !== this.conversationId) return;
          this.live.set(message.id, (this.live.get(message.id) ?? 0) + 1);
          if (message.seq > this.lastSeq + 1) void this.catchUp();
          this.lastSeq = Math.max(this.lastSeq, message.seq);
        });
        socket.on('disconnect', () => {
          if (this.closed) return;
          this.reconnects++;
          setTimeout(() => void this.open().then(() => this.catchUp()), 200);
        });
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  }

  /** What a client does after a reconnect or a seq gap: history after the last seq it has. */
  async catchUp(): Promise<void> {
    const socket = this.socket;
    if (!socket?.connected) return;
    for (let i = 0; i < 100; i++) {
      const ack = await request(socket, 'message:history', { conversationId: this.conversationId, afterSeq: this.lastSeq, limit: 100 }).catch(() => null);
      if (!ack || !ack.ok) return;
      for (const m of ack.data.messages) {
        this.caughtUp.add(m.id);
        this.lastSeq = Math.max(this.lastSeq, m.seq);
      }
      if (!ack.data.hasMore) return;
    }
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
  }
}

export interface LoadOptions {
  /** Gateway URLs, asked again at each reconnect (a killed gateway drops out). */
  urls: () => string[];
  members?: number;
  senders?: number;
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
  retries: number;
  stored: number;
  seqContiguous: boolean;
  /** Sockets that missed a stored message even after catching up. */
  socketsMissing: number;
  /** Sockets that stayed connected throughout yet missed a live push of a stored message. */
  steadySocketsMissingLive: number;
  /** Pushes of one message to one socket beyond the first. */
  duplicatePushes: number;
  /** Longest time between two acks (how long service was interrupted). */
  longestGapMs: number;
  reconnects: number;
}

/**
 * A bounded chat load for fault tests: members of one group, some sending on a
 * schedule and retrying on timeout with the same clientMsgId, every member's
 * socket following the gateways and catching up after reconnects. `verify()`
 * checks the outcome through the protocol alone.
 */
export class ChatLoad {
  private readonly o: Required<LoadOptions>;
  conversationId = '';
  private followers: Follower[] = [];
  private senderTokens: string[] = [];
  private readonly acked = new Map<string, Message>();
  private sent = 0;
  private retries = 0;
  private ackTimes: number[] = [];

  constructor(opts: LoadOptions) {
    this.o = { members: 4, senders: 2, messagesPerSender: 100, intervalMs: 30, ackTimeoutMs: 3000, deadlineMs: 120_000, ...opts };
  }

  async setup(): Promise<void> {
    const urls = this.o.urls();
    const users = await Promise.all(Array.from({ length: this.o.members }, () => register(urls[0]!, uniqueName('load'))));
    const owner = await connect(urls[0]!, users[0]!.accessToken);
    const { conversation } = await ok(owner, 'group:create', { name: 'load', memberIds: users.slice(1).map((u) => u.user.id) });
    owner.close();
    this.conversationId = conversation.id;
    this.senderTokens = users.slice(0, this.o.senders).map((u) => u.accessToken);
    // Every member listens on one socket, spread over the gateways; the first member on two.
    const tokens = [...users.map((u) => u.accessToken), users[0]!.accessToken];
    this.followers = tokens.map((t, i) => new Follower(this.o.urls, t, conversation.id, i));
    await Promise.all(this.followers.map((f) => f.open()));
  }

  /** Runs every sender to completion (or the deadline); resolves when all are done. */
  async run(): Promise<void> {
    const deadline = Date.now() + this.o.deadlineMs;
    await Promise.all(this.senderTokens.map((token, s) => this.sender(token, s, deadline)));
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
      this.sent++;
      for (let attempt = 0; Date.now() < deadline; attempt++) {
        if (attempt > 0) this.retries++;
        await ensure();
        if (!socket) break;
        const ack = await request(socket, 'message:send', { conversationId: this.conversationId, text: `load ${clientMsgId}`, clientMsgId }, this.o.ackTimeoutMs).catch(() => null);
        if (ack?.ok) {
          this.acked.set(ack.data.message.id, ack.data.message);
          this.ackTimes.push(Date.now());
          break;
        }
        if (ack && !ack.ok && ack.error.code !== 'UNAVAILABLE' && ack.error.code !== 'INTERNAL') {
          throw new Error(`send refused: ${ack.error.code} ${ack.error.message}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      await new Promise((r) => setTimeout(r, this.o.intervalMs));
    }
    socket?.close();
  }

  /** Checks the outcome through the protocol: history, seq, and what each socket heard. */
  async verify(): Promise<LoadReport> {
    // Give in-flight pushes a moment, then let every socket catch up as a client would.
    await new Promise((r) => setTimeout(r, 1500));
    await Promise.all(this.followers.map((f) => f.catchUp()));
    const reader = this.followers[0]!.socket!;
    const history: Message[] = [];
    let afterSeq = 0;
    for (let i = 0; i < 1000; i++) {
      const page = await ok(reader, 'message:history', { conversationId: this.conversationId, afterSeq, limit: 100 });
      history.push(...page.messages);
      if (!page.hasMore || page.messages.length === 0) break;
      afterSeq = page.messages[page.messages.length - 1]!.seq;
    }
    const keys = history.map((m) => `${m.senderId}/${m.clientMsgId}`);
    const duplicated = keys.length - new Set(keys).size;
    const stored = new Set(history.map((m) => m.id));
    const lost = [...this.acked.keys()].filter((id) => !stored.has(id)).length;
    const seqContiguous = history.every((m, i) => m.seq === i + 1);
    let socketsMissing = 0;
    let steadySocketsMissingLive = 0;
    let duplicatePushes = 0;
    for (const f of this.followers) {
      const heard = new Set([...f.live.keys(), ...f.caughtUp]);
      if ([...stored].some((id) => !heard.has(id))) socketsMissing++;
      if (f.reconnects === 0 && [...stored].some((id) => !f.live.has(id))) steadySocketsMissingLive++;
      for (const n of f.live.values()) duplicatePushes += n - 1;
    }
    const times = [...this.ackTimes].sort((a, b) => a - b);
    let longestGapMs = 0;
    for (let i = 1; i < times.length; i++) longestGapMs = Math.max(longestGapMs, times[i]! - times[i - 1]!);
    return {
      sent: this.sent,
      acked: this.acked.size,
      lost,
      duplicated,
      retries: this.retries,
      stored: history.length,
      seqContiguous,
      socketsMissing,
      steadySocketsMissingLive,
      duplicatePushes,
      longestGapMs,
      reconnects: this.followers.reduce((n, f) => n + f.reconnects, 0),
    };
  }

  close(): void {
    for (const f of this.followers) f.close();
  }
}
