import { Injectable } from '@nestjs/common';
import type { EventPayload } from '@chat/contracts/bus';
import { KafkaBus } from '@chat/platform-kafka';

export type DeliveryItem = EventPayload<'delivery'>['items'][number];

/**
 * What messaging tells others over Kafka, and the only code here that
 * publishes on the bus: pushes for the gateways (one
 * `delivery` event carries every item of one change, so a group message is
 * encoded once however many members it reaches) and, to itself, that a
 * conversation's projection moved.
 */
@Injectable()
export class MessagingPublisher {
  constructor(private readonly bus: KafkaBus) {}

  /** Resolves once the broker has it. Keyed by conversation, so a conversation's pushes stay in order. */
  push(conversationId: string, items: DeliveryItem[], opts: { sentAtMs?: number; correlationId?: string } = {}): Promise<void> {
    const nonEmpty = items.filter((i) => i.userIds.length > 0);
    if (nonEmpty.length === 0) return Promise.resolve();
    const payload: EventPayload<'delivery'> = { items: nonEmpty };
    if (opts.sentAtMs !== undefined) payload.sentAtMs = opts.sentAtMs;
    return this.bus.emit('delivery', conversationId, payload, opts.correlationId);
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
