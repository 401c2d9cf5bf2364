import { Injectable } from '@nestjs/common';
import type { PushPayload } from '@chat/contracts';
import { DeliveryRouter, KafkaBus, type RouteSnapshot } from '@chat/platform-kafka';

/**
 * What presence publishes: pushes to clients, as `delivery` events the
 * gateways fan out to sockets, and its own lease probes. The only place here
 * that talks to the bus, so the logic can be tested with a fake.
 */
@Injectable()
export class PresencePublisher {
  constructor(
    private readonly bus: KafkaBus,
    private readonly router: DeliveryRouter,
  ) {}

  /** Where the delivery router's index starts: the connections presence holds. */
  routeFrom(snapshot: RouteSnapshot): void {
    this.router.useSnapshot(snapshot);
  }

  /** Pushes are routed to the gateways of the recipients' sockets (DeliveryRouter). */
  presence(recipients: string[], update: PushPayload<'presence:update'>): Promise<void> {
    return this.router.deliver([{ userIds: recipients, event: 'presence:update', data: update }]);
  }

  typing(recipients: string[], update: PushPayload<'typing'>): Promise<void> {
    return this.router.deliver([{ userIds: recipients, event: 'typing', data: update }]);
  }

  /** v1.1: a changed profile, to whoever gets the user's presence. */
  userUpdated(recipients: string[], update: PushPayload<'user:updated'>): Promise<void> {
    return this.router.deliver([{ userIds: recipients, event: 'user:updated', data: update }]);
  }

  /** A probe that returns behind whatever is queued on the gateway's partition (keyed like its heartbeats). */
  probe(gatewayId: string, at: number): Promise<void> {
    return this.bus.emit('presence.probe', gatewayId, { gatewayId, at: new Date(at).toISOString() });
  }

  /** Tells the delivery routers a gateway is forgotten: its sockets are gone for good. */
  forgotten(gatewayId: string, at: number, startedAt: number | null): Promise<void> {
    return this.bus.emit('gateway.forgotten', gatewayId, { gatewayId, at: new Date(at).toISOString(), startedAt: startedAt === null ? null : new Date(startedAt).toISOString() });
  }
}
