import { Controller } from '@nestjs/common';
import { SEALED, type CommandPayload, type EventPayload } from '@chat/contracts/bus';
import { OnCommand, OnEvent, type KafkaContext } from '@chat/platform-kafka';
import { FieldSealer } from '@chat/platform-sealing';
import { sealSession } from '../sessions/sealed-session';
import { AccountsService } from './accounts.service';

/** Passwords arrive sealed and tokens leave sealed: the broker never holds either in clear. */
@Controller()
export class AccountsHandlers {
  constructor(
    private readonly accounts: AccountsService,
    private readonly sealer: FieldSealer,
  ) {}

  @OnCommand('auth.register')
  async register(p: CommandPayload<'auth.register'>, ctx: KafkaContext) {
    const password = this.sealer.unseal(p.password, SEALED.registerPassword);
    return sealSession(this.sealer, await this.accounts.register({ ...p, password }, ctx.envelope.id, ctx.envelope.correlationId));
  }

  @OnCommand('auth.login')
  async login(p: CommandPayload<'auth.login'>) {
    const password = this.sealer.unseal(p.password, SEALED.loginPassword);
    return sealSession(this.sealer, await this.accounts.login({ ...p, password }));
  }

  @OnCommand('auth.password')
  async changePassword(p: CommandPayload<'auth.password'>, ctx: KafkaContext) {
    const currentPassword = this.sealer.unseal(p.currentPassword, SEALED.currentPassword);
    const newPassword = this.sealer.unseal(p.newPassword, SEALED.newPassword);
    await this.accounts.changePassword({ ...p, currentPassword, newPassword }, ctx.envelope.correlationId);
    return {};
  }

  @OnCommand('auth.delete')
  async deleteAccount(p: CommandPayload<'auth.delete'>, ctx: KafkaContext) {
    const password = this.sealer.unseal(p.password, SEALED.deletePassword);
    await this.accounts.deleteAccount({ ...p, password }, ctx.envelope.correlationId);
    return {};
  }

  @OnEvent('user.updated')
  async profileChanged(e: EventPayload<'user.updated'>): Promise<void> {
    await this.accounts.profileChanged(e.user.id, e.user.displayName, e.user.avatarUrl);
  }
}
