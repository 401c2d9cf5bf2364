import { Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import { ChatError, type UploadResult } from '@chat/contracts';
import type { Env } from '../config';
import { readUpload } from '../http/multipart';
import { serve } from '../http/serve';
import { AttachmentsService } from './attachments.service';

/** The gateway's header naming the uploader, signed with MEDIA_URL_SECRET. */
export const ACTOR_HEADER = 'x-chat-actor';

/**
 * HTTP for the bytes, reached only through the gateway (which streams the
 * request here, never over Kafka): uploads carry the gateway's signed actor
 * header; downloads carry nothing but the signed URL.
 */
@Controller()
export class AttachmentsController {
  constructor(
    private readonly attachments: AttachmentsService,
    private readonly config: ConfigService<Env, true>,
  ) {}

  @Post('uploads')
  @HttpCode(201)
  async upload(@Req() req: Request, @Headers(ACTOR_HEADER) actor: string | undefined): Promise<UploadResult> {
    const ownerId = this.attachments.signer.actorOf(actor);
    if (!ownerId) throw new ChatError('UNAUTHENTICATED', 'not signed in');
    const file = await readUpload(req, this.config.get('UPLOAD_MAX_BYTES', { infer: true }));
    return { attachment: await this.attachments.upload(ownerId, file) };
  }

  @Get('files/:id/:variant')
  async download(@Param('id') id: string, @Param('variant') variant: string, @Query('e') e: unknown, @Query('s') s: unknown, @Res() res: Response): Promise<void> {
    const file = await this.attachments.open(id, variant, typeof e === 'string' ? e : '', typeof s === 'string' ? s : '');
    serve(res, file);
  }
}
