import { Controller } from '@nestjs/common';
import type { CommandPayload } from '@chat/contracts/bus';
import { OnCommand, type KafkaContext } from '@chat/platform-kafka';
import { AccountService } from './account.service';

@Controller()
export class AccountHandlers {
  constructor(private readonly account: AccountService) {}

  @OnCommand('users.delete')
  async delete(p: CommandPayload<'users.delete'>, ctx: KafkaContext) {
    await this.account.delete(p.actorId, ctx.envelope.correlationId);
    return {};
  }

  @OnCommand('users.export')
  export(p: CommandPayload<'users.export'>) {
    return this.account.export(p.actorId);
  }
}
