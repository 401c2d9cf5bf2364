import { Controller } from '@nestjs/common';
import type { EventPayload } from '@chat/contracts/bus';
import { OnEvent } from '@chat/platform-kafka';
import { RevokedSessions } from '../accounts/revoked-sessions';
import { RealtimeGateway } from './realtime.gateway';

/** What the services hand to the gateways: pushes, and sessions that ended. */
@Controller()
export class DeliveryHandlers {
  constructor(
    private readonly gateway: RealtimeGateway,
    private readonly revoked: RevokedSessions,
  ) {}

  @OnEvent('delivery')
  deliver(delivery: EventPayload<'delivery'>): void {
    for (const item of delivery.items) this.gateway.push(item.userIds, item.event, item.data, delivery.sentAtMs);
  }

  @OnEvent('session.revoked')
  revoke(event: EventPayload<'session.revoked'>): void {
    this.revoked.add(event.sessionId);
    this.gateway.endSession(event.sessionId);
  }
}
