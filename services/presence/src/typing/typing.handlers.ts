import { Controller } from '@nestjs/common';
import type { EventPayload } from '@chat/contracts/bus';
import { OnEvent } from '@chat/platform-kafka';
import { TypingService } from './typing.service';

/** Typing as the gateways report it (keyed by conversation, so in order per conversation). */
@Controller()
export class TypingHandlers {
  constructor(private readonly typing: TypingService) {}

  @OnEvent('typing.changed')
  changed(e: EventPayload<'typing.changed'>): Promise<void> {
    return this.typing.changed(e);
  }
}
