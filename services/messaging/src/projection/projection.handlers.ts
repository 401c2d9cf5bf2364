import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { EventPayload } from '@chat/contracts';
import { PassThroughRpcFilter, type KafkaContext } from '@chat/platform-kafka';
import { ProjectionService } from './projection.service';

/** The users service's conversation events (keyed by conversation, so one conversation's arrive in order). */
// The bootstrap's global RPC filter is registered too late to apply; this keeps errors as they are.
@UseFilters(new PassThroughRpcFilter())
@Controller()
export class ProjectionHandlers {
  constructor(private readonly projection: ProjectionService) {}

  @EventPattern('conversation.changed')
  changed(@Payload() e: EventPayload<'conversation.changed'>, @Ctx() ctx: KafkaContext): Promise<void> {
    return this.projection.changed(e, ctx.envelope.correlationId);
  }

  @EventPattern('conversation.deleted')
  deleted(@Payload() e: EventPayload<'conversation.deleted'>, @Ctx() ctx: KafkaContext): Promise<void> {
    return this.projection.deleted(e, ctx.envelope.correlationId);
  }
}
