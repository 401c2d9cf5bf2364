import { Controller } from '@nestjs/common';
import { BROADCAST_DELIVERY_KEY, type EventPayload } from '@chat/contracts/bus';
import { OnEvent, type KafkaContext } from '@chat/platform-kafka';
import { Metrics } from '@chat/platform-observability';
import { RevokedSessions } from '../accounts/revoked-sessions';
import { RealtimeGateway } from './realtime.gateway';

/** What the services hand to the gateways: pushes, and sessions that ended. */
@Controller()
export class DeliveryHandlers {
  private readonly received;

  constructor(
    private readonly gateway: RealtimeGateway,
    private readonly revoked: RevokedSessions,
    metrics: Metrics,
  ) {
    this.received = metrics.counter('chat_deliveries_received_total', "Delivery events this gateway read: routed to it, broadcast, or another gateway's sharing its partition (dropped)", ['key']);
  }

  /**
   * The gateway reads the partitions of its own id and of the broadcast key (see main.ts);
   * another gateway's id may share one of them, and its deliveries are not for this one.
   */
  @OnEvent('delivery')
  deliver(delivery: EventPayload<'delivery'>, ctx: KafkaContext): void {
    const key = ctx.key === this.gateway.gatewayId ? 'own' : ctx.key === BROADCAST_DELIVERY_KEY ? 'broadcast' : 'other';
    this.received.inc({ key });
    if (key === 'other') return;
    for (const item of delivery.items) this.gateway.push(item.userIds, item.event, item.data, delivery.sentAtMs, item.exceptSocketId, delivery.catchUp);
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
