import { Controller } from '@nestjs/common';
import type { EventPayload } from '@chat/contracts/bus';
import { OnEvent, type KafkaContext } from '@chat/platform-kafka';
import { ProjectionService } from './projection.service';

/** The users service's conversation events (keyed by conversation, so one conversation's arrive in order), blocks, and its new users' names. */
@Controller()
export class ProjectionHandlers {
  constructor(private readonly projection: ProjectionService) {}

  @OnEvent('conversation.changed')
  changed(e: EventPayload<'conversation.changed'>, ctx: KafkaContext): Promise<void> {
    return this.projection.changed(e, ctx.envelope.correlationId);
  }

  /** Blocks, keyed by the blocker: a direct send checks them (the users service owns them). */
  @OnEvent('block.changed')
  blockChanged(e: EventPayload<'block.changed'>): Promise<void> {
    return this.projection.blockChanged(e);
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
