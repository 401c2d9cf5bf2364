import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { EventPayload } from '@chat/contracts';
import { RevokedSessions } from '../accounts/revoked-sessions';
import { RealtimeGateway } from './realtime.gateway';

/** What the services hand to the gateways: pushes, and sessions that ended. */
@Controller()
export class DeliveryHandlers {
  constructor(
    private readonly gateway: RealtimeGateway,
    private readonly revoked: RevokedSessions,
  ) {}

  @EventPattern('delivery')
  deliver(@Payload() delivery: EventPayload<'delivery'>): void {
    for (const item of delivery.items) this.gateway.push(item.userIds, item.event, item.data, delivery.sentAtMs);
  }

  @EventPattern('session.revoked')
  revoke(@Payload() event: EventPayload<'session.revoked'>): void {
    this.revoked.add(event.sessionId);
    this.gateway.endSession(event.sessionId);
  }
}
