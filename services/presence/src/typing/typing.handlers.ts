import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { EventPayload } from '@chat/contracts';
import { TypingService } from './typing.service';

/** Typing as the gateways report it (keyed by conversation, so in order per conversation). */
@Controller()
export class TypingHandlers {
  constructor(private readonly typing: TypingService) {}

  @EventPattern('typing.changed')
  changed(@Payload() e: EventPayload<'typing.changed'>): Promise<void> {
    return this.typing.changed(e);
  }
}
