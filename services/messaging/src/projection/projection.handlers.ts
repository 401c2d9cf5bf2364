import { Controller } from '@nestjs/common';
import type { EventPayload } from '@chat/contracts/bus';
import { OnEvent, type KafkaContext } from '@chat/platform-kafka';
import { ProjectionService } from './projection.service';

/** The users service's conversation events (keyed by conversation, so one conversation's arrive in order) and its new users' names. */
@Controller()
export class ProjectionHandlers {
  constructor(private readonly projection: ProjectionService) {}

  @OnEvent('conversation.changed')
  changed(e: EventPayload<'conversation.changed'>, ctx: KafkaContext): Promise<void> {
    return this.projection.changed(e, ctx.envelope.correlationId);
  }

  @OnEvent('user.registered')
  registered(e: EventPayload<'user.registered'>): Promise<void> {
    return this.projection.registered(e);
  }

  @OnEvent('conversation.deleted')
  deleted(e: EventPayload<'conversation.deleted'>, ctx: KafkaContext): Promise<void> {
    return this.projection.deleted(e, ctx.envelope.correlationId);
  }
}
