import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import type { CommandReply, CommandRequest } from '@chat/contracts';
import { PassThroughRpcFilter, type KafkaContext } from '@chat/platform-kafka';
import { SessionsService } from './sessions.service';

// The bootstrap's global RPC filter is registered after Nest has wired the handlers (connectMicroservice
// registers listeners at once), so it never applies: without this, every ChatError would reach the caller as INTERNAL.
@UseFilters(new PassThroughRpcFilter())
@Controller()
export class SessionsHandlers {
  constructor(private readonly sessions: SessionsService) {}

  @MessagePattern('auth.refresh')
  refresh(@Payload() p: CommandRequest<'auth.refresh'>, @Ctx() ctx: KafkaContext): Promise<CommandReply<'auth.refresh'>> {
    return this.sessions.refresh(p.refreshToken, ctx.envelope.correlationId);
  }

  @MessagePattern('auth.logout')
  async logout(@Payload() p: CommandRequest<'auth.logout'>, @Ctx() ctx: KafkaContext): Promise<CommandReply<'auth.logout'>> {
    await this.sessions.logout(p.actorId, p.sessionId, p.refreshToken, ctx.envelope.correlationId);
    return {};
  }
}
