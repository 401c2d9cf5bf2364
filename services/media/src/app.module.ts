import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { HttpErrorFilter, PlatformModule } from '@chat/platform-bootstrap';
import { AttachmentsModule } from './attachments/attachments.module';
import { AvatarsModule } from './avatars/avatars.module';
import { EnvSchema } from './config';


@Module({
  imports: [PlatformModule.forService({ name: 'media', env: EnvSchema, mongo: true }), AttachmentsModule, AvatarsModule],
  providers: [{ provide: APP_FILTER, useClass: HttpErrorFilter }],
})
export class AppModule {}
