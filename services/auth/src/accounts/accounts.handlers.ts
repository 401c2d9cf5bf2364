import { Controller } from '@nestjs/common';
import type { CommandPayload } from '@chat/contracts/bus';
import { OnCommand, type KafkaContext } from '@chat/platform-kafka';
import { AccountsService } from './accounts.service';

@Controller()
export class AccountsHandlers {
  constructor(private readonly accounts: AccountsService) {}

  @OnCommand('auth.register')
  register(p: CommandPayload<'auth.register'>, ctx: KafkaContext) {
    return this.accounts.register(p, ctx.envelope.id, ctx.envelope.correlationId);
  }

  @OnCommand('auth.login')
  login(p: CommandPayload<'auth.login'>) {
    return this.accounts.login(p);
  }
}
