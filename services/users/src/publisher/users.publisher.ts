import { Injectable } from '@nestjs/common';
import type { User } from '@chat/contracts';
import type { EventPayload } from '@chat/contracts/bus';
import { KafkaBus } from '@chat/platform-kafka';

/** What the users service tells the others; the only code here that publishes on the bus. */
@Injectable()
export class UsersPublisher {
  constructor(private readonly bus: KafkaBus) {}

  userRegistered(user: User, correlationId?: string): Promise<void> {
    return this.bus.emit('user.registered', user.id, user, correlationId);
  }

  /** Keyed by the user: their profile changes stay in order. */
  userUpdated(user: User, deleted = false, correlationId?: string): Promise<void> {
    return this.bus.emit('user.updated', user.id, { user, deleted }, correlationId);
  }

  /** Keyed by the blocker, so one user's block changes stay in order. */
  blockChanged(blockerId: string, blockedId: string, blocked: boolean): Promise<void> {
    return this.bus.emit('block.changed', blockerId, { blockerId, blockedId, blocked });
  }

  /** Keyed by the owner, so one user's contact changes stay in order. */
  contactChanged(ownerId: string, contactId: string, added: boolean): Promise<void> {
    return this.bus.emit('contact.changed', ownerId, { ownerId, contactId, added });
  }

  /** Keyed by the conversation, so its changes reach every projection in order. */
  conversationChanged(e: EventPayload<'conversation.changed'>): Promise<void> {
    return this.bus.emit('conversation.changed', e.conversation.id, e);
  }

  conversationDeleted(e: EventPayload<'conversation.deleted'>): Promise<void> {
    return this.bus.emit('conversation.deleted', e.conversationId, e);
  }
}
