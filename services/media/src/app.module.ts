import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { HttpErrorFilter, PlatformModule } from '@chat/platform-bootstrap';
import { AttachmentsModule } from './attachments/attachments.module';
import { AvatarsModule } from './avatars/avatars.module';
import { EnvSchema } from './config';
import { ObjectStore } from './storage/object-store';
import { StorageModule } from './storage/storage.module';


@Module({
  imports: [PlatformModule.forService({ name: 'media', env: EnvSchema, mongo: true, checks: [ObjectStore] }), StorageModule, AttachmentsModule, AvatarsModule],
  providers: [{ provide: APP_FILTER, useClass: HttpErrorFilter }],
})
export class AppModule {}
