import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AttachmentsModule } from '../attachments/attachments.module';
import { AvatarsController } from './avatars.controller';
import { AvatarsHandlers } from './avatars.handlers';
import { AvatarsRepository } from './avatars.repository';
import { AVATAR_MODEL, AvatarMongoSchema } from './avatars.schema';
import { AvatarsService } from './avatars.service';

@Module({
  imports: [MongooseModule.forFeature([{ name: AVATAR_MODEL, schema: AvatarMongoSchema }]), AttachmentsModule],
  controllers: [AvatarsController, AvatarsHandlers],
  providers: [AvatarsRepository, AvatarsService],
})
export class AvatarsModule {}
