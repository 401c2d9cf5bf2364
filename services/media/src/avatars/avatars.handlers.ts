import { Controller } from '@nestjs/common';
import type { EventPayload } from '@chat/contracts/bus';
import { OnEvent } from '@chat/platform-kafka';
import { AvatarsService } from './avatars.service';

@Controller()
export class AvatarsHandlers {
  constructor(private readonly avatars: AvatarsService) {}

  @OnEvent('user.updated')
  profile(e: EventPayload<'user.updated'>): Promise<void> {
    return this.avatars.profileChanged(e.user, e.deleted);
  }
}
