import { connectionKey, type Connection } from './presence.repository';

/**
 * The sockets presence knows of, by user and by gateway, and when this
 * process last added or removed each (the resync leaves alone what changed
 * while it was reading). Memory only; the repository holds the same rows.
 */
export class ConnectionIndex {
  private readonly byUser = new Map<string, Map<string, Connection>>();
  private readonly byGateway = new Map<string, Map<string, Connection>>();
  private readonly touched = new Map<string, number>();

  add(c: Connection, now = Date.now()): void {
    const key = connectionKey(c.gatewayId, c.socketId);
    let mine = this.byUser.get(c.userId);
    if (!mine) this.byUser.set(c.userId, (mine = new Map()));
    mine.set(key, c);
    let theirs = this.byGateway.get(c.gatewayId);
    if (!theirs) this.byGateway.set(c.gatewayId, (theirs = new Map()));
    theirs.set(key, c);
    this.touched.set(key, now);
  }

  remove(gatewayId: string, socketId: string, now = Date.now()): void {
    const key = connectionKey(gatewayId, socketId);
    this.touched.set(key, now);
    const theirs = this.byGateway.get(gatewayId);
    const c = theirs?.get(key);
    if (!theirs || !c) return;
    theirs.delete(key);
    if (theirs.size === 0) this.byGateway.delete(gatewayId);
    const mine = this.byUser.get(c.userId);
    mine?.delete(key);
    if (mine?.size === 0) this.byUser.delete(c.userId);
  }

  has(gatewayId: string, key: string): boolean {
    return this.byGateway.get(gatewayId)?.has(key) ?? false;
  }

  ofGateway(gatewayId: string): Connection[] {
    return [...(this.byGateway.get(gatewayId)?.values() ?? [])];
  }

  ofUser(userId: string): Connection[] {
    return [...(this.byUser.get(userId)?.values() ?? [])];
  }

  /** Every connection, with its key. */
  entries(): [string, Connection][] {
    return [...this.byGateway.values()].flatMap((m) => [...m]);
  }

  users(): string[] {
    return [...this.byUser.keys()];
  }

  get size(): number {
    let n = 0;
    for (const m of this.byGateway.values()) n += m.size;
    return n;
  }

  /** Whether this process added or removed the connection at or after `since`. */
  touchedSince(key: string, since: number): boolean {
    return (this.touched.get(key) ?? 0) >= since;
  }

  forgetTouchesBefore(before: number): void {
    for (const [key, at] of this.touched) if (at < before) this.touched.delete(key);
  }
}
