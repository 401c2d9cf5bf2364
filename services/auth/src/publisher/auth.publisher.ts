import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@chat/contracts/bus';
import { KafkaBus } from '@chat/platform-kafka';

/** What auth tells the other services; the only code here that publishes on the bus. */
@Injectable()
export class AuthPublisher {
  constructor(private readonly bus: KafkaBus) {}

  /** Gateways refuse the session's access tokens and close its sockets. */
  sessionRevoked(sessionId: string, userId: string, reason: EventPayload<'session.revoked'>['reason'], correlationId?: string): Promise<void> {
    return this.bus.emit('session.revoked', sessionId, { sessionId, userId, reason }, correlationId);
  }
}
