/**
 * Open sockets per user and per client address on this gateway. Each socket costs
 * memory here, a Kafka event and presence writes, so neither a stolen token nor one
 * address may open them without bound. Counted per replica: with N gateways the
 * cluster-wide bound is N times these (the ingress spreads a client's sockets).
 */
export class SocketQuota {
  private readonly perUser = new Map<string, number>();
  private readonly perAddress = new Map<string, number>();

  constructor(
    private readonly maxPerUser: number,
    private readonly maxPerAddress: number,
    private readonly enabled: boolean,
  ) {}

  /** Takes a place for one socket; false (and nothing taken) when either bound is reached. */
  take(userId: string, address: string): boolean {
    if (!this.enabled) return true;
    if ((this.perUser.get(userId) ?? 0) >= this.maxPerUser) return false;
    if ((this.perAddress.get(address) ?? 0) >= this.maxPerAddress) return false;
    bump(this.perUser, userId, 1);
    bump(this.perAddress, address, 1);
    return true;
  }

  /** Gives back the place of a socket that take() admitted. */
  release(userId: string, address: string): void {
    if (!this.enabled) return;
    bump(this.perUser, userId, -1);
    bump(this.perAddress, address, -1);
  }
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}
