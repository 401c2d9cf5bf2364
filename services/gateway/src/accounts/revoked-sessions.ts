import { Injectable } from '@nestjs/common';

/** Access tokens live at most this long, so a revoked session is remembered this long. */
const REMEMBER_MS = 16 * 60 * 1000;

/** Sessions ended by logout or refresh replay, as heard on the session events topic. */
@Injectable()
export class RevokedSessions {
  private readonly until = new Map<string, number>();

  add(sessionId: string): void {
    this.until.set(sessionId, Date.now() + REMEMBER_MS);
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
