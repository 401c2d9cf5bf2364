import { Body, Controller, Delete, Get, HttpCode, Patch, Req, Res, UseGuards } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DeleteMeBodySchema, parse, UpdateMeBodySchema, type ExportResult } from '@chat/contracts';
import { SEALED } from '@chat/contracts/bus';
import { KafkaBus } from '@chat/platform-kafka';
import { FieldSealer } from '@chat/platform-sealing';
import type { Env } from '../config';
import { DeleteMeBody, ExportResultBody, MeResultBody, UpdateMeBody } from './accounts.dto';
import { JwtAuthGuard } from './jwt.strategy';
import { clearRefreshCookie } from './refresh-cookie';
import { RevokedSessions } from './revoked-sessions';
import type { Principal } from './token.service';

/**
 * REST for the caller's own account (`/me`): the profile (users service), deletion (auth checks
 * the password, then asks users to let go of everything else) and the export, put together from
 * the services that own each part.
 */
@ApiTags('me')
@Controller('me')
@UseGuards(JwtAuthGuard)
@ApiBearerAuth()
export class ProfileController {
  constructor(
    private readonly bus: KafkaBus,
    private readonly config: ConfigService<Env, true>,
    private readonly revoked: RevokedSessions,
    private readonly sealer: FieldSealer,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The caller' })
  @ApiResponse({ status: 200, type: MeResultBody })
  me(@Req() req: Request) {
    const { userId } = req.user as Principal;
    return this.bus.request('users.get', userId, { userId });
  }

  @Patch()
  @HttpCode(200)
  @ApiOperation({ summary: 'Change the display name; pushed as user:updated' })
  @ApiResponse({ status: 200, type: MeResultBody })
  @ApiBody({ type: UpdateMeBody })
  update(@Body() body: unknown, @Req() req: Request) {
    const input = parse(UpdateMeBodySchema, body);
    const { userId } = req.user as Principal;
    return this.bus.request('users.update', userId, { ...input, actorId: userId });
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete the account (the password checked as login checks it)' })
  @ApiResponse({ status: 401, description: "UNAUTHENTICATED: a wrong password (login's message; counts against login's limits)" })
  @ApiBody({ type: DeleteMeBody })
  async remove(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    const input = parse(DeleteMeBodySchema, body);
    const principal = req.user as Principal;
    await this.bus.request('auth.delete', principal.userId, {
      actorId: principal.userId,
      password: this.sealer.seal(input.password, SEALED.deletePassword),
      address: req.ip ?? '',
    });
    this.revoked.add(principal.sessionId);
    clearRefreshCookie(res, this.config.get('COOKIE_SECURE', { infer: true }) === 'true');
  }

  @Get('export')
  @ApiOperation({ summary: "Everything the service holds of the caller, as a file" })
  @ApiResponse({ status: 200, type: ExportResultBody })
  async export(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<ExportResult> {
    const { userId } = req.user as Principal;
    const actor = { actorId: userId };
    const [profile, { conversations }, { messages }] = await Promise.all([
      this.bus.request('users.export', userId, actor),
      this.bus.request('conversations.list', userId, actor),
      this.bus.request('messages.export', userId, actor),
    ]);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Disposition', 'attachment; filename="chat-export.json"');
    return { ...profile, conversations, messages };
  }
}
