import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import type { CommandReply, CommandRequest } from '@chat/contracts';
import { PassThroughRpcFilter, type KafkaContext } from '@chat/platform-kafka';
import { AccountsService } from './accounts.service';

// The bootstrap's global RPC filter is registered after Nest has wired the handlers (connectMicroservice
// registers listeners at once), so it never applies: without this, every ChatError would reach the caller as INTERNAL.
@UseFilters(new PassThroughRpcFilter())
@Controller()
export class AccountsHandlers {
  constructor(private readonly accounts: AccountsService) {}

  @MessagePattern('auth.register')
  register(@Payload() p: CommandRequest<'auth.register'>, @Ctx() ctx: KafkaContext): Promise<CommandReply<'auth.register'>> {
    return this.accounts.register(p, ctx.envelope.id, ctx.envelope.correlationId);
  }

  @MessagePattern('auth.login')
  login(@Payload() p: CommandRequest<'auth.login'>): Promise<CommandReply<'auth.login'>> {
    return this.accounts.login(p);
  }
}
