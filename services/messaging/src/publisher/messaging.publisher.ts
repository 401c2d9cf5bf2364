import { Injectable } from '@nestjs/common';
import { DeliveryRouter, KafkaBus, type DeliveryItem, type SocketRoute } from '@chat/platform-kafka';

export type { DeliveryItem };

/** Presence's connections, page by page: where the delivery router's index starts. */
export async function presenceConnections(bus: KafkaBus): Promise<SocketRoute[]> {
  const out: SocketRoute[] = [];
  let after: string | undefined;
  do {
    const page = await bus.request('presence.connections', bus.options.instanceId, { after, limit: 2000 });
    for (const c of page.connections) out.push({ gatewayId: c.gatewayId, socketId: c.socketId, userId: c.userId, at: Date.parse(c.at) || 0 });
    after = page.next ?? undefined;
  } while (after);
  return out;
}

/**
 * What messaging tells others over Kafka, and the only code here that
 * publishes on the bus: pushes for the gateways (one
 * `delivery` event per gateway carries every item of one change for that
 * gateway's sockets, so a group message is encoded once per gateway however many
 * members it reaches) and, to itself, that a conversation's projection moved.
 */
@Injectable()
export class MessagingPublisher {
  constructor(
    private readonly bus: KafkaBus,
    private readonly router: DeliveryRouter,
  ) {
    router.useSnapshot(() => presenceConnections(bus));
  }

  /**
   * Resolves once the broker has it. Routed to the gateways of the recipients' sockets; one
   * owner pushes a conversation's changes, in order, so they stay in order on each gateway's partition.
   */
  push(_conversationId: string, items: DeliveryItem[], opts: { sentAtMs?: number; correlationId?: string } = {}): Promise<void> {
    return this.router.deliver(items, opts);
  }

  /** v1.1 files: the messages holding these attachments were deleted; media deletes the bytes. */
  released(conversationId: string, attachmentIds: string[], correlationId?: string): Promise<void> {
    return this.bus.emit('attachments.released', conversationId, { attachmentIds }, correlationId);
  }

  /** Tells the owner of the conversation's partition (in order with its commands) to drop its cached membership. */
  projected(conversationId: string, version: number): Promise<void> {
    return this.bus.emit('conversation.projected', conversationId, { conversationId, version });
  }
}
