import type { EventPayload } from '@chat/contracts/bus';

export type DeliveryItem = EventPayload<'delivery'>['items'][number];

/** One socket of one user on one gateway, as the gateway reported it (`at`: its connect, ms). */
export interface SocketRoute {
  gatewayId: string;
  socketId: string;
  userId: string;
  at: number;
}

/**
 * Where each user's sockets are: user → gateway → socket → connected at. What a
 * delivery router splits pushes by. Memory only; it is rebuilt at every start
 * from presence's connections and the gateways' events.
 */
export class RouteIndex {
  private readonly byUser = new Map<string, Map<string, Map<string, number>>>();
  private readonly byGateway = new Map<string, Set<string>>();
  /**
   * When a user's last socket on a gateway went (user → gateway → ms, and the caller's mark
   * then: the router's count of deliveries), for the catch-up after a reconnect.
   */
  private readonly gone = new Map<string, Map<string, { at: number; mark: number }>>();

  /** Adds a socket; true when it is the user's first on that gateway. */
  connected(r: SocketRoute): boolean {
    let gateways = this.byUser.get(r.userId);
    if (!gateways) this.byUser.set(r.userId, (gateways = new Map()));
    let sockets = gateways.get(r.gatewayId);
    const first = !sockets || sockets.size === 0;
    if (!sockets) gateways.set(r.gatewayId, (sockets = new Map()));
    sockets.set(r.socketId, r.at);
    let users = this.byGateway.get(r.gatewayId);
    if (!users) this.byGateway.set(r.gatewayId, (users = new Set()));
    users.add(r.userId);
    return first;
  }

  disconnected(gatewayId: string, socketId: string, userId: string, now = Date.now(), mark = 0): void {
    const sockets = this.byUser.get(userId)?.get(gatewayId);
    if (!sockets?.delete(socketId) || sockets.size > 0) return;
    this.forget(userId, gatewayId, now, mark);
  }

  /** Removes a gateway's sockets: all of them, or those that connected before `before` (an earlier process of it). */
  dropGateway(gatewayId: string, before = Infinity, now = Date.now(), mark = 0): number {
    const users = this.byGateway.get(gatewayId);
    if (!users) return 0;
    let dropped = 0;
    for (const userId of [...users]) {
      const sockets = this.byUser.get(userId)?.get(gatewayId);
      if (!sockets) continue;
      for (const [socketId, at] of sockets) {
        if (at >= before) continue;
        sockets.delete(socketId);
        dropped++;
      }
      if (sockets.size === 0) this.forget(userId, gatewayId, now, mark);
    }
    return dropped;
  }

  private forget(userId: string, gatewayId: string, now: number, mark: number): void {
    const gateways = this.byUser.get(userId)!;
    gateways.delete(gatewayId);
    if (gateways.size === 0) this.byUser.delete(userId);
    const users = this.byGateway.get(gatewayId);
    users?.delete(userId);
    if (users?.size === 0) this.byGateway.delete(gatewayId);
    let mine = this.gone.get(userId);
    if (!mine) this.gone.set(userId, (mine = new Map()));
    mine.set(gatewayId, { at: now, mark });
  }

  /** The mark given when the user's last socket on the gateway went, if that is remembered. */
  goneMark(userId: string, gatewayId: string): number | undefined {
    return this.gone.get(userId)?.get(gatewayId)?.mark;
  }

  /** Forgets departures older than `before` (a catch-up never looks that far back). */
  forgetGoneBefore(before: number): void {
    for (const [userId, gateways] of this.gone) {
      for (const [gatewayId, { at }] of gateways) if (at < before) gateways.delete(gatewayId);
      if (gateways.size === 0) this.gone.delete(userId);
    }
  }

  gateways(): string[] {
    return [...this.byGateway.keys()];
  }

  has(userId: string, gatewayId: string): boolean {
    return (this.byUser.get(userId)?.get(gatewayId)?.size ?? 0) > 0;
  }

  /** The sockets known, all gateways together. */
  get size(): number {
    let n = 0;
    for (const gateways of this.byUser.values()) for (const sockets of gateways.values()) n += sockets.size;
    return n;
  }

  /**
   * Splits a change's items by the gateways that hold their recipients' sockets: each gateway
   * gets the items that concern it, with only its own users in them. Recipients with no socket
   * anywhere are left out (history and unread counts are how they learn of it).
   */
  split(items: readonly DeliveryItem[]): Map<string, DeliveryItem[]> {
    const out = new Map<string, DeliveryItem[]>();
    for (const item of items) {
      const perGateway = new Map<string, string[]>();
      for (const userId of item.userIds) {
        const gateways = this.byUser.get(userId);
        if (!gateways) continue;
        for (const gatewayId of gateways.keys()) {
          const users = perGateway.get(gatewayId);
          if (users) users.push(userId);
          else perGateway.set(gatewayId, [userId]);
        }
      }
      for (const [gatewayId, userIds] of perGateway) {
        const list = out.get(gatewayId);
        const part = { ...item, userIds };
        if (list) list.push(part);
        else out.set(gatewayId, [part]);
      }
    }
    return out;
  }
}

interface Routed {
  /** Its place in the router's count of deliveries. */
  seq: number;
  at: number;
  items: readonly DeliveryItem[];
  sentAtMs?: number;
  /** Built on the first catch-up that looks at this entry: recipients of each item. */
  recipients?: Set<string>[];
}

/**
 * The deliveries a router split by its index in the last `windowMs`. A socket that
 * connects while its user's pushes still go elsewhere (the router has not heard of it
 * yet) gets from here what it missed: every item for its user since its connect
 * (less a margin for clocks) that went to no socket of that user on its gateway.
 */
export class RecentDeliveries {
  private readonly entries: Routed[] = [];
  private head = 0;
  /** How many deliveries were added, ever: the mark an index change is taken at. */
  seq = 0;

  constructor(readonly windowMs = 10_000) {}

  add(at: number, items: readonly DeliveryItem[], sentAtMs?: number): void {
    this.entries.push({ seq: ++this.seq, at, items, sentAtMs });
    this.prune(at);
  }

  prune(now: number): void {
    while (this.head < this.entries.length && this.entries[this.head]!.at < now - this.windowMs) this.head++;
    // Compact now and then instead of shifting on every add.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
  }

  /**
   * The items for `userId` routed at or after `since` (ms) and after the mark `afterSeq`,
   * each narrowed to that user, oldest first.
   */
  since(userId: string, since: number, afterSeq = 0): { items: DeliveryItem[]; sentAtMs?: number }[] {
    const out: { items: DeliveryItem[]; sentAtMs?: number }[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (entry.at < since || entry.seq <= afterSeq) continue;
      entry.recipients ??= entry.items.map((item) => new Set(item.userIds));
      const mine = entry.items.filter((_, k) => entry.recipients![k]!.has(userId)).map((item) => ({ ...item, userIds: [userId] }));
      if (mine.length) out.push({ items: mine, sentAtMs: entry.sentAtMs });
    }
    return out;
  }

  get size(): number {
    return this.entries.length - this.head;
  }
}
