import { Controller } from '@nestjs/common';
import type { EventPayload } from '@chat/contracts/bus';
import { OnEvent, type KafkaContext } from '@chat/platform-kafka';
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
    for (const item of delivery.items) this.gateway.push(item.userIds, item.event, item.data, delivery.sentAtMs, item.exceptSocketId);
  }

  /**
   * With its history: a gateway that starts after a logout must refuse the session's tokens
   * for as long as they live, so it reads the retained revocations before it serves.
   */
  @OnEvent('session.revoked', { history: true })
  revoke(event: EventPayload<'session.revoked'>, ctx: KafkaContext): void {
    this.revoked.add(event.sessionId, Date.parse(ctx.envelope.time) || Date.now());
    this.gateway.endSession(event.sessionId);
  }
}
