import { Controller } from '@nestjs/common';
import type { EventPayload } from '@chat/contracts/bus';
import { OnEvent } from '@chat/platform-kafka';
import { AudienceService } from './audience.service';

/** Membership, contacts and blocks, as the users service reports them. */
@Controller()
export class AudienceHandlers {
  constructor(private readonly audience: AudienceService) {}

  @OnEvent('conversation.changed')
  changed(e: EventPayload<'conversation.changed'>): Promise<void> {
    return this.audience.conversationChanged(e);
  }

  @OnEvent('conversation.deleted')
  deleted(e: EventPayload<'conversation.deleted'>): Promise<void> {
    return this.audience.conversationDeleted(e);
  }

  @OnEvent('block.changed')
  block(e: EventPayload<'block.changed'>): Promise<void> {
    return this.audience.blockChanged(e);
  }

  @OnEvent('contact.changed')
  contact(e: EventPayload<'contact.changed'>): Promise<void> {
    return this.audience.contactChanged(e);
  }
}
