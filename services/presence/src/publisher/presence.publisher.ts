import { Injectable } from '@nestjs/common';
import type { PushPayload } from '@chat/contracts';
import { KafkaBus } from '@chat/platform-kafka';

/**
 * What presence publishes: pushes to clients, as `delivery` events the
 * gateways fan out to sockets, and its own lease probes. The only place here
 * that talks to the bus, so the logic can be tested with a fake.
 */
@Injectable()
export class PresencePublisher {
  constructor(private readonly bus: KafkaBus) {}

  presence(recipients: string[], update: PushPayload<'presence:update'>): Promise<void> {
    if (recipients.length === 0) return Promise.resolve();
    return this.bus.emit('delivery', update.userId, { items: [{ userIds: recipients, event: 'presence:update', data: update }] });
  }

  typing(recipients: string[], update: PushPayload<'typing'>): Promise<void> {
    if (recipients.length === 0) return Promise.resolve();
    return this.bus.emit('delivery', update.conversationId, { items: [{ userIds: recipients, event: 'typing', data: update }] });
  }

  /** v1.1: a changed profile, keyed by the user like their presence. */
  userUpdated(recipients: string[], update: PushPayload<'user:updated'>): Promise<void> {
    if (recipients.length === 0) return Promise.resolve();
    return this.bus.emit('delivery', update.user.id, { items: [{ userIds: recipients, event: 'user:updated', data: update }] });
  }

  /** A probe that returns behind whatever is queued on the gateway's partition (keyed like its heartbeats). */
  probe(gatewayId: string, at: number): Promise<void> {
    return this.bus.emit('presence.probe', gatewayId, { gatewayId, at: new Date(at).toISOString() });
  }
}
