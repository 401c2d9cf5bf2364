import { Controller } from '@nestjs/common';
import { SEALED, type CommandPayload } from '@chat/contracts/bus';
import { OnCommand, type KafkaContext } from '@chat/platform-kafka';
import { FieldSealer } from '@chat/platform-sealing';
import { sealSession } from './sealed-session';
import { SessionsService } from './sessions.service';

/** Refresh tokens arrive sealed and new tokens leave sealed. */
@Controller()
export class SessionsHandlers {
  constructor(
    private readonly sessions: SessionsService,
    private readonly sealer: FieldSealer,
  ) {}

  @OnCommand('auth.refresh')
  async refresh(p: CommandPayload<'auth.refresh'>, ctx: KafkaContext) {
    const refreshToken = this.sealer.unseal(p.refreshToken, SEALED.refreshToken);
    // The client's Idempotency-Key names the attempt when it sent one, so its retry is the same
    // request; else the command's own id does, which covers a redelivery after a crash.
    const requestId = p.requestKey ? `key:${p.requestKey}` : ctx.envelope.id;
    return sealSession(this.sealer, await this.sessions.refresh(refreshToken, ctx.envelope.correlationId, p.userAgent, requestId, ctx.envelope.id));
  }

  @OnCommand('auth.logout')
  async logout(p: CommandPayload<'auth.logout'>, ctx: KafkaContext) {
    const refreshToken = p.refreshToken === undefined ? undefined : this.sealer.unseal(p.refreshToken, SEALED.logoutRefreshToken);
    await this.sessions.logout(p.actorId, p.sessionId, refreshToken, ctx.envelope.correlationId, p.all ?? false);
    return {};
  }

  @OnCommand('auth.sessions')
  async list(p: CommandPayload<'auth.sessions'>) {
    return { sessions: await this.sessions.list(p.actorId, p.sessionId) };
  }

  @OnCommand('auth.endSession')
  async endOne(p: CommandPayload<'auth.endSession'>, ctx: KafkaContext) {
    await this.sessions.endOne(p.actorId, p.targetId, ctx.envelope.correlationId);
    return {};
  }
}
