import { Controller } from '@nestjs/common';
import type { EventPayload } from '@chat/contracts/bus';
import { OnEvent, type KafkaContext } from '@chat/platform-kafka';
import { AvatarsService } from './avatars.service';

@Controller()
export class AvatarsHandlers {
  constructor(private readonly avatars: AvatarsService) {}

  @OnEvent('user.updated')
  profile(e: EventPayload<'user.updated'>, ctx: KafkaContext): Promise<void> {
    return this.avatars.profileChanged(e.user, e.deleted, new Date(ctx.envelope.time));
  }
}
