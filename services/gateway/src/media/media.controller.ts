import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Controller, Delete, Get, HttpCode, Post, Put, Req, Res, UseGuards } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ChatError, type User } from '@chat/contracts';
import { KafkaBus } from '@chat/platform-kafka';
import { UrlSigner } from '@chat/platform-media';
import { JwtAuthGuard } from '../accounts/jwt.strategy';
import type { Principal } from '../accounts/token.service';
import type { Env } from '../config';

/** The header media believes for who uploads (signed with MEDIA_URL_SECRET, valid minutes). */
const ACTOR_HEADER = 'x-chat-actor';
/** Request headers passed to media; the rest (cookies, the Bearer token) stays here. */
const PASSED_REQUEST = ['content-type', 'content-length', 'transfer-encoding'];
/** Response headers passed back from media: the protocol's file headers. */
const PASSED_RESPONSE = ['content-type', 'content-length', 'content-disposition', 'x-content-type-options', 'content-security-policy', 'cache-control', 'cross-origin-resource-policy'];

const unavailable = () => new ChatError('UNAVAILABLE', 'file storage is not reachable; try again');

/**
 * Files over REST. Their bytes never cross Kafka: uploads and downloads are
 * streamed between the client and the media service over HTTP, the gateway
 * adding only who the uploader is. Setting an avatar is media storing it, then
 * the users service making it the profile's (`users.setAvatar`, pushed as `user:updated`).
 */
@ApiTags('files')
@Controller()
export class MediaController {
  private readonly media: URL;
  private readonly signer: UrlSigner;

  constructor(
    private readonly bus: KafkaBus,
    config: ConfigService<Env, true>,
  ) {
    this.media = new URL(config.get('MEDIA_URL', { infer: true }));
    this.signer = new UrlSigner(config.get('MEDIA_URL_SECRET', { infer: true }));
  }

  @Post('uploads')
  @UseGuards(JwtAuthGuard)
  @ApiBearerAuth()
  @ApiConsumes('multipart/form-data')
  @ApiOperation({ summary: 'Upload a file (multipart field `file`) for one message:send' })
  @ApiResponse({ status: 201, description: '{attachment}' })
  @ApiResponse({ status: 413, description: 'PAYLOAD_TOO_LARGE: over the upload limit' })
  async upload(@Req() req: Request, @Res() res: Response): Promise<void> {
    const answer = await this.forward(req, 'POST', '/uploads');
    this.relay(answer, res);
  }

  @Put('me/avatar')
  @UseGuards(JwtAuthGuard)
  @ApiBearerAuth()
  @ApiConsumes('multipart/form-data')
  @ApiOperation({ summary: 'Set the avatar (PNG, JPEG, WebP or GIF, at most 5 MiB); pushed as user:updated' })
  @ApiResponse({ status: 200, description: '{user}' })
  async setAvatar(@Req() req: Request, @Res() res: Response): Promise<void> {
    const answer = await this.forward(req, 'PUT', '/avatars');
    if (answer.statusCode !== 200) return this.relay(answer, res);
    const { avatarId } = JSON.parse(await text(answer)) as { avatarId: string };
    const { userId } = req.user as Principal;
    const result: { user: User } = await this.bus.request('users.setAvatar', userId, { actorId: userId, avatarId });
    res.status(200).json(result);
  }

  @Delete('me/avatar')
  @UseGuards(JwtAuthGuard)
  @ApiBearerAuth()
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove the avatar; pushed as user:updated' })
  async removeAvatar(@Req() req: Request): Promise<void> {
    const { userId } = req.user as Principal;
    await this.bus.request('users.setAvatar', userId, { actorId: userId, avatarId: null });
  }

  @Get('files/:id/:variant')
  @ApiOperation({ summary: "An attachment's bytes: the signed URL itself authorizes (404 when expired, altered or gone)" })
  async file(@Req() req: Request, @Res() res: Response): Promise<void> {
    this.relay(await this.forward(req, 'GET', req.originalUrl.replace(/^\/api\/v1/, '')), res);
  }

  @Get('avatars/:id')
  @ApiOperation({ summary: 'An avatar image (public; its URL changes whenever the avatar does)' })
  async avatar(@Req() req: Request, @Res() res: Response): Promise<void> {
    this.relay(await this.forward(req, 'GET', req.originalUrl.replace(/^\/api\/v1/, '')), res);
  }

  /** Sends the request (its body streamed) to media; resolves with media's answer, its body unread. */
  private forward(req: Request, method: string, path: string): Promise<IncomingMessage> {
    // Any other body was read here already (JSON), or is not a file.
    if (method !== 'GET' && !req.is('multipart/form-data')) {
      return Promise.reject(new ChatError('VALIDATION_FAILED', 'send the file as multipart/form-data in the field "file"'));
    }
    const headers: Record<string, string> = {};
    for (const h of PASSED_REQUEST) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    const principal = req.user as Principal | undefined;
    if (principal) headers[ACTOR_HEADER] = this.signer.actorHeader(principal.userId);
    return new Promise((resolve, reject) => {
      const out = httpRequest(new URL(path, this.media), { method, headers }, resolve);
      out.on('error', () => reject(unavailable()));
      if (method === 'GET') out.end();
      else {
        req.pipe(out);
        req.on('aborted', () => out.destroy());
      }
    });
  }

  private relay(answer: IncomingMessage, res: Response): void {
    res.status(answer.statusCode ?? 502);
    for (const h of PASSED_RESPONSE) {
      const v = answer.headers[h];
      if (v !== undefined) res.setHeader(h, v);
    }
    answer.on('error', () => res.destroy());
    answer.pipe(res);
  }
}

function text(stream: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}
