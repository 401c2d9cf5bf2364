import { Controller } from '@nestjs/common';
import type { CommandPayload, EventPayload } from '@chat/contracts/bus';
import { OnCommand, OnEvent } from '@chat/platform-kafka';
import { AttachmentsService } from './attachments.service';

/** What messaging asks of media over Kafka: never bytes, only which uploads a message takes or lets go. */
@Controller()
export class AttachmentsHandlers {
  constructor(private readonly attachments: AttachmentsService) {}

  @OnCommand('media.claim')
  claim(p: CommandPayload<'media.claim'>) {
    return this.attachments.claim(p);
  }

  @OnEvent('attachments.released')
  release(e: EventPayload<'attachments.released'>): Promise<void> {
    return this.attachments.release(e.attachmentIds);
  }
}
