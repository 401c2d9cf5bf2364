import { Injectable } from '@nestjs/common';

/** Access tokens live at most this long, so a revoked session is remembered this long. */
const REMEMBER_MS = 16 * 60 * 1000;

/**
 * Sessions ended by logout or refresh replay, as heard on the session events
 * topic (DeliveryHandlers). A gateway that starts (or restarts) after a
 * logout must still refuse that session's access tokens for as long as they
 * live, so the topic's retained history (an hour, longer than any access
 * token) is read before the gateway serves: see `@OnEvent(..., { history })`.
 */
@Injectable()
export class RevokedSessions {
  private readonly until = new Map<string, number>();

  /** Remembers a session as ended since `at` (ms), until its last access token has expired. */
  add(sessionId: string, at = Date.now()): void {
    const until = at + REMEMBER_MS;
    if (until < Date.now()) return;
    if ((this.until.get(sessionId) ?? 0) < until) this.until.set(sessionId, until);
    if (this.until.size % 1000 === 0) this.sweep();
  }

  has(sessionId: string): boolean {
    const t = this.until.get(sessionId);
    if (t === undefined) return false;
    if (t < Date.now()) {
      this.until.delete(sessionId);
      return false;
    }
    return true;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, t] of this.until) if (t < now) this.until.delete(id);
  }
}
