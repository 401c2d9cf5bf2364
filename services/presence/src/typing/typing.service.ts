import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { LIMITS } from '@chat/contracts';
import type { EventPayload } from '@chat/contracts/bus';
import { AudienceService } from '../audience/audience.service';
import { PresencePublisher } from '../publisher/presence.publisher';

/**
 * The typing relay. State lives in memory only (it lasts seconds, and a lost
 * `typing: true` also lapses on the clients): who is typing where, each with
 * a timer that pushes `typing: false` when no renewal comes within
 * LIMITS.typingTtlMs.
 */
@Injectable()
export class TypingService implements OnApplicationShutdown {
  private readonly log = new Logger(TypingService.name);
  /** conversationId → typist → lapse timer. */
  private readonly active = new Map<string, Map<string, NodeJS.Timeout>>();
  /** typist → conversations they are typing in. */
  private readonly byUser = new Map<string, Set<string>>();

  constructor(
    private readonly audience: AudienceService,
    private readonly events: PresencePublisher,
  ) {}

  async changed(e: EventPayload<'typing.changed'>): Promise<void> {
    await this.audience.ready();
    // Only members type; anything else is dropped without a word.
    if (!this.audience.isMember(e.conversationId, e.userId)) return;
    if (e.typing) {
      // Every renewal is relayed too: clients expire typing locally and need it to keep showing.
      this.arm(e.conversationId, e.userId);
      await this.push(e.conversationId, e.userId, true);
    } else if (this.clear(e.conversationId, e.userId)) {
      await this.push(e.conversationId, e.userId, false);
    }
  }

  /** The user's last socket closed: whatever they were typing stops. */
  async userGone(userId: string): Promise<void> {
    const conversations = [...(this.byUser.get(userId) ?? [])];
    for (const conversationId of conversations) {
      if (this.clear(conversationId, userId)) await this.push(conversationId, userId, false);
    }
  }

  isTyping(conversationId: string, userId: string): boolean {
    return this.active.get(conversationId)?.has(userId) ?? false;
  }

  private arm(conversationId: string, userId: string): void {
    let typists = this.active.get(conversationId);
    if (!typists) this.active.set(conversationId, (typists = new Map()));
    clearTimeout(typists.get(userId));
    const timer = setTimeout(() => {
      if (typists.get(userId) !== timer || !this.clear(conversationId, userId)) return;
      this.push(conversationId, userId, false).catch((err) =>
        this.log.warn({ err, conversationId, userId }, 'typing lapse not pushed'),
      );
    }, LIMITS.typingTtlMs);
    timer.unref();
    typists.set(userId, timer);
    let mine = this.byUser.get(userId);
    if (!mine) this.byUser.set(userId, (mine = new Set()));
    mine.add(conversationId);
  }

  /** Forgets a typist; true when they were typing. */
  private clear(conversationId: string, userId: string): boolean {
    const typists = this.active.get(conversationId);
    const timer = typists?.get(userId);
    if (!typists || !timer) return false;
    clearTimeout(timer);
    typists.delete(userId);
    if (typists.size === 0) this.active.delete(conversationId);
    const mine = this.byUser.get(userId);
    mine?.delete(conversationId);
    if (mine?.size === 0) this.byUser.delete(userId);
    return true;
  }

  private push(conversationId: string, userId: string, typing: boolean): Promise<void> {
    // Members the typist blocks hear nothing of it (v1.1).
    const others = [...(this.audience.membersOf(conversationId) ?? [])].filter((m) => m !== userId && !this.audience.blocks(userId, m));
    return this.events.typing(others, { conversationId, userId, typing });
  }

  onApplicationShutdown(): void {
    for (const typists of this.active.values()) for (const t of typists.values()) clearTimeout(t);
    this.active.clear();
    this.byUser.clear();
  }
}
