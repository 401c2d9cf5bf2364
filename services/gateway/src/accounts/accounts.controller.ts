import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ChatError, LoginBodySchema, LogoutBodySchema, parse, REFRESH_COOKIE, REFRESH_COOKIE_PATH, RefreshBodySchema, RegisterBodySchema, type AuthResult } from '@chat/contracts';
import { SEALED, type CommandReply } from '@chat/contracts/bus';
import { KafkaBus } from '@chat/platform-kafka';
import { FieldSealer } from '@chat/platform-sealing';
import type { Env } from '../config';
import { AuthResultBody, LoginBody, LogoutBody, MeResultBody, RefreshBody, RegisterBody } from './accounts.dto';
import { JwtAuthGuard } from './jwt.strategy';
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
    const reply = await this.bus.request('auth.register', input.username, { ...input, password, address: req.ip ?? '' });
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
    const reply = await this.bus.request('auth.login', input.username.toLowerCase(), { ...input, password, address: req.ip ?? '' });
    return this.session(res, reply);
  }

  @Post('auth/refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate the refresh token (body or cookie) for a new pair' })
  @ApiResponse({ status: 200, type: AuthResultBody })
  @ApiBody({ type: RefreshBody })
  async refresh(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<AuthResult> {
    const input = parse(RefreshBodySchema, body ?? {});
    const refreshToken = input.refreshToken ?? this.cookie(req);
    if (!refreshToken) throw new ChatError('UNAUTHENTICATED', 'no refresh token');
    try {
      const reply = await this.bus.request('auth.refresh', refreshToken.split('.')[0] ?? refreshToken, {
        refreshToken: this.sealer.seal(refreshToken, SEALED.refreshToken),
        address: req.ip ?? '',
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
  @ApiOperation({ summary: 'End the session: its tokens die and its sockets are closed' })
  @ApiBody({ type: LogoutBody })
  async logout(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    const input = parse(LogoutBodySchema, body ?? {});
    const principal = req.user as Principal;
    await this.bus.request('auth.logout', principal.sessionId, {
      actorId: principal.userId,
      sessionId: principal.sessionId,
      refreshToken: this.sealOptional(input.refreshToken ?? this.cookie(req)),
    });
    // Dead here at once; other gateways (and this one's sockets) hear it from session.revoked.
    this.revoked.add(principal.sessionId);
    this.clearCookie(res);
  }

  @Get('me')
  @UseGuards(JwtAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The caller' })
  @ApiResponse({ status: 200, type: MeResultBody })
  me(@Req() req: Request) {
    const principal = req.user as Principal;
    return this.bus.request('users.get', principal.userId, { userId: principal.userId });
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
    // The same attributes as when it was set: a browser ignores a Secure clearing cookie over plain http.
    res.clearCookie(REFRESH_COOKIE, {
      path: REFRESH_COOKIE_PATH,
      httpOnly: true,
      sameSite: 'strict',
      secure: this.config.get('COOKIE_SECURE', { infer: true }) === 'true',
    });
  }
}
