import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import {
  ChangePasswordBodySchema,
  ChatError,
  IDEMPOTENCY_KEY_HEADER,
  Id,
  IdempotencyKeySchema,
  LoginBodySchema,
  LogoutBodySchema,
  parse,
  REFRESH_COOKIE,
  REFRESH_COOKIE_PATH,
  RefreshBodySchema,
  RegisterBodySchema,
  USER_AGENT_MAX,
  type AuthResult,
} from '@chat/contracts';
import { SEALED, type CommandReply } from '@chat/contracts/bus';
import { KafkaBus } from '@chat/platform-kafka';
import { FieldSealer } from '@chat/platform-sealing';
import type { Env } from '../config';
import { AuthResultBody, ChangePasswordBody, LoginBody, LogoutBody, RefreshBody, RegisterBody, SessionsResultBody } from './accounts.dto';
import { JwtAuthGuard } from './jwt.strategy';
import { clearRefreshCookie } from './refresh-cookie';
import { RevokedSessions } from './revoked-sessions';
import type { Principal } from './token.service';

type AuthReply = CommandReply<'auth.login'>;

/**
 * REST for accounts: each call is handed to the auth or users service over Kafka. Bodies are
 * validated with the contracts' zod schemas (parse) and documented from the same schemas (accounts.dto).
 */
@ApiTags('auth')
@Controller()
export class AccountsController {
  constructor(
    private readonly bus: KafkaBus,
    private readonly config: ConfigService<Env, true>,
    private readonly revoked: RevokedSessions,
    private readonly sealer: FieldSealer,
  ) {}

  @Post('auth/register')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an account and start a session' })
  @ApiResponse({ status: 201, type: AuthResultBody })
  @ApiResponse({ status: 409, description: 'CONFLICT: the username is taken' })
  @ApiBody({ type: RegisterBody })
  async register(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<AuthResult> {
    const input = parse(RegisterBodySchema, body);
    // The password crosses Kafka sealed: the broker's logs never hold it in clear.
    const password = this.sealer.seal(input.password, SEALED.registerPassword);
    const reply = await this.bus.request('auth.register', input.username, { ...input, password, ...client(req) });
    return this.session(res, reply);
  }

  @Post('auth/login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start a session' })
  @ApiResponse({ status: 200, type: AuthResultBody })
  @ApiResponse({ status: 401, description: 'UNAUTHENTICATED: the same answer for an unknown user and a wrong password' })
  @ApiBody({ type: LoginBody })
  async login(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<AuthResult> {
    const input = parse(LoginBodySchema, body);
    const password = this.sealer.seal(input.password, SEALED.loginPassword);
    const reply = await this.bus.request('auth.login', input.username.toLowerCase(), { ...input, password, ...client(req) });
    return this.session(res, reply);
  }

  @Post('auth/refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate the refresh token (body or cookie) for a new pair' })
  @ApiResponse({ status: 200, type: AuthResultBody })
  @ApiBody({ type: RefreshBody })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Extension: the same key and token again, after a lost answer, get the same new pair instead of ending the session as a replay' })
  async refresh(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<AuthResult> {
    const input = parse(RefreshBodySchema, body ?? {});
    const requestKey = idempotencyKey(req);
    const refreshToken = input.refreshToken ?? this.cookie(req);
    if (!refreshToken) throw new ChatError('UNAUTHENTICATED', 'no refresh token');
    try {
      const reply = await this.bus.request('auth.refresh', refreshToken.split('.')[0] ?? refreshToken, {
        refreshToken: this.sealer.seal(refreshToken, SEALED.refreshToken),
        ...client(req),
        ...(requestKey ? { requestKey } : {}),
      });
      return this.session(res, reply);
    } catch (err) {
      if (err instanceof ChatError && err.code === 'UNAUTHENTICATED') this.clearCookie(res);
      throw err;
    }
  }

  @Post('auth/logout')
  @HttpCode(204)
  @UseGuards(JwtAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'End the session (with all: true every session of the user): its tokens die and its sockets are closed' })
  @ApiBody({ type: LogoutBody })
  async logout(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    const input = parse(LogoutBodySchema, body ?? {});
    const principal = req.user as Principal;
    await this.bus.request('auth.logout', principal.sessionId, {
      actorId: principal.userId,
      sessionId: principal.sessionId,
      refreshToken: this.sealOptional(input.refreshToken ?? this.cookie(req)),
      all: input.all ?? false,
    });
    // Dead here at once; other gateways (and this one's sockets) hear it from session.revoked.
    this.revoked.add(principal.sessionId);
    this.clearCookie(res);
  }

  @Post('auth/password')
  @HttpCode(204)
  @UseGuards(JwtAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: "Change the password: every other session ends, the caller's stays" })
  @ApiResponse({ status: 401, description: "UNAUTHENTICATED: a wrong currentPassword (login's message; counts against login's limits)" })
  @ApiBody({ type: ChangePasswordBody })
  async changePassword(@Body() body: unknown, @Req() req: Request): Promise<void> {
    const input = parse(ChangePasswordBodySchema, body);
    const principal = req.user as Principal;
    await this.bus.request('auth.password', principal.userId, {
      actorId: principal.userId,
      sessionId: principal.sessionId,
      currentPassword: this.sealer.seal(input.currentPassword, SEALED.currentPassword),
      newPassword: this.sealer.seal(input.newPassword, SEALED.newPassword),
      address: req.ip ?? '',
    });
  }

  @Get('auth/sessions')
  @UseGuards(JwtAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: "The caller's live sessions, newest first" })
  @ApiResponse({ status: 200, type: SessionsResultBody })
  sessions(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const principal = req.user as Principal;
    res.setHeader('Cache-Control', 'no-store');
    return this.bus.request('auth.sessions', principal.userId, { actorId: principal.userId, sessionId: principal.sessionId });
  }

  @Delete('auth/sessions/:id')
  @HttpCode(204)
  @UseGuards(JwtAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: "End one of the caller's sessions (another user's is 404)" })
  @ApiResponse({ status: 404, description: 'NOT_FOUND: no such session of the caller' })
  async endSession(@Param('id') id: string, @Req() req: Request): Promise<void> {
    const principal = req.user as Principal;
    if (!Id.safeParse(id).success) throw new ChatError('NOT_FOUND', 'no such session');
    await this.bus.request('auth.endSession', principal.userId, { actorId: principal.userId, targetId: id });
    if (id === principal.sessionId) this.revoked.add(id);
  }

  private cookie(req: Request): string | undefined {
    const value = (req.cookies as Record<string, unknown> | undefined)?.[REFRESH_COOKIE];
    return typeof value === 'string' && value.length > 0 && value.length <= 256 ? value : undefined;
  }

  private sealOptional(refreshToken: string | undefined): string | undefined {
    return refreshToken === undefined ? undefined : this.sealer.seal(refreshToken, SEALED.logoutRefreshToken);
  }

  private session(res: Response, sealed: AuthReply): AuthResult {
    const reply = {
      ...sealed,
      accessToken: this.sealer.unseal(sealed.accessToken, SEALED.sessionAccessToken),
      refreshToken: this.sealer.unseal(sealed.refreshToken, SEALED.sessionRefreshToken),
    };
    // Tokens must never sit in a shared or browser cache.
    res.setHeader('Cache-Control', 'no-store');
    res.cookie(REFRESH_COOKIE, reply.refreshToken, {
      httpOnly: true,
      secure: this.config.get('COOKIE_SECURE', { infer: true }) === 'true',
      sameSite: 'strict',
      path: REFRESH_COOKIE_PATH,
      maxAge: 30 * 24 * 3600 * 1000,
    });
    return { user: reply.user, accessToken: reply.accessToken, refreshToken: reply.refreshToken, expiresIn: reply.expiresIn };
  }

  private clearCookie(res: Response): void {
    clearRefreshCookie(res, this.config.get('COOKIE_SECURE', { infer: true }) === 'true');
  }
}

/** The client's address and User-Agent, as a session records them. */
/** The optional Idempotency-Key of a refresh (protocol extension): one well-formed value, or VALIDATION_FAILED. */
function idempotencyKey(req: Request): string | undefined {
  const value = req.headers[IDEMPOTENCY_KEY_HEADER];
  if (value === undefined) return undefined;
  return parse(IdempotencyKeySchema, Array.isArray(value) ? value.join(',') : value);
}

function client(req: Request): { address: string; userAgent?: string } {
  const agent = req.headers['user-agent'];
  return { address: req.ip ?? '', ...(typeof agent === 'string' && agent ? { userAgent: agent.slice(0, USER_AGENT_MAX) } : {}) };
}
