import { Controller } from '@nestjs/common';
import type { CommandPayload } from '@chat/contracts/bus';
import { OnCommand, type KafkaContext } from '@chat/platform-kafka';
import { SessionsService } from './sessions.service';

@Controller()
export class SessionsHandlers {
  constructor(private readonly sessions: SessionsService) {}

  @OnCommand('auth.refresh')
  refresh(p: CommandPayload<'auth.refresh'>, ctx: KafkaContext) {
    return this.sessions.refresh(p.refreshToken, ctx.envelope.correlationId);
  }

  @OnCommand('auth.logout')
  async logout(p: CommandPayload<'auth.logout'>, ctx: KafkaContext) {
    await this.sessions.logout(p.actorId, p.sessionId, p.refreshToken, ctx.envelope.correlationId);
    return {};
  }
}
