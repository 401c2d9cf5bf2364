import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { EventPayload } from '@chat/contracts';
import { AudienceService } from './audience.service';

/** Membership and contacts, as the users service reports them. */
@Controller()
export class AudienceHandlers {
  constructor(private readonly audience: AudienceService) {}

  @EventPattern('conversation.changed')
  changed(@Payload() e: EventPayload<'conversation.changed'>): Promise<void> {
    return this.audience.conversationChanged(e);
  }

  @EventPattern('conversation.deleted')
  deleted(@Payload() e: EventPayload<'conversation.deleted'>): Promise<void> {
    return this.audience.conversationDeleted(e);
  }

  @EventPattern('contact.changed')
  contact(@Payload() e: EventPayload<'contact.changed'>): Promise<void> {
    return this.audience.contactChanged(e);
  }
}
