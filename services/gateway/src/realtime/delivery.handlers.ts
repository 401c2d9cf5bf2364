import { Controller } from '@nestjs/common';
import { BROADCAST_DELIVERY_KEY, type EventPayload } from '@chat/contracts/bus';
import { KafkaBus, OnEvent, type KafkaContext } from '@chat/platform-kafka';
import { Metrics } from '@chat/platform-observability';
import { RevokedSessions } from '../accounts/revoked-sessions';
import { RealtimeGateway } from './realtime.gateway';

/** What the services hand to the gateways: pushes, and sessions that ended. */
@Controller()
export class DeliveryHandlers {
  private readonly received;
  /** DELIVERY_ROUTING=off: every delivery is pushed, whatever its key (a producer from before routing keys by conversation). */
  private readonly readAll: boolean;
  private readonly deliveries: string;

  constructor(
    private readonly gateway: RealtimeGateway,
    private readonly revoked: RevokedSessions,
    metrics: Metrics,
    bus: KafkaBus,
  ) {
    this.readAll = bus.options.deliveryRouting === false;
    this.deliveries = bus.topic('deliveries');
    this.received = metrics.counter('chat_deliveries_received_total', "Delivery events this gateway read: routed to it, broadcast, or another gateway's sharing its partition (dropped)", ['key']);
  }

  /**
   * The gateway reads the partitions of its own id and of the broadcast key (see main.ts);
   * another gateway's id may share one of them, and its deliveries are not for this one. The
   * transport asks this before it parses a message (main.ts), so they cost no parsing.
   */
  foreign(topic: string, key: string | null): boolean {
    if (topic !== this.deliveries || this.readAll || key === this.gateway.gatewayId || key === BROADCAST_DELIVERY_KEY) return false;
    this.received.inc({ key: 'other' });
    return true;
  }

  @OnEvent('delivery')
  deliver(delivery: EventPayload<'delivery'>, ctx: KafkaContext): void {
    this.received.inc({ key: ctx.key === this.gateway.gatewayId ? 'own' : ctx.key === BROADCAST_DELIVERY_KEY ? 'broadcast' : 'other' });
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
