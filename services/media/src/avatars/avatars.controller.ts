import { Controller, Get, Headers, Param, Put, Req, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import { ChatError } from '@chat/contracts';
import { AttachmentsService } from '../attachments/attachments.service';
import { ACTOR_HEADER } from '../attachments/attachments.controller';
import type { Env } from '../config';
import { readUpload } from '../http/multipart';
import { serve } from '../http/serve';
import { AvatarsService } from './avatars.service';

/** Avatars over HTTP, through the gateway: it stores one here, then tells the users service which is current. */
@Controller('avatars')
export class AvatarsController {
  constructor(
    private readonly avatars: AvatarsService,
    private readonly attachments: AttachmentsService,
    private readonly config: ConfigService<Env, true>,
  ) {}

  @Put()
  async put(@Req() req: Request, @Headers(ACTOR_HEADER) actor: string | undefined): Promise<{ avatarId: string }> {
    const userId = this.attachments.signer.actorOf(actor);
    if (!userId) throw new ChatError('UNAUTHENTICATED', 'not signed in');
    const file = await readUpload(req, this.config.get('AVATAR_MAX_BYTES', { infer: true }));
    return { avatarId: await this.avatars.save(userId, file) };
  }

  @Get(':id')
  async get(@Param('id') id: string, @Res() res: Response): Promise<void> {
    serve(res, await this.avatars.open(id));
  }
}
