import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ObjectStore } from '../storage/object-store';
import { AttachmentsController } from './attachments.controller';
import { AttachmentsHandlers } from './attachments.handlers';
import { AttachmentsRepository } from './attachments.repository';
import { ATTACHMENT_MODEL, AttachmentMongoSchema } from './attachments.schema';
import { AttachmentsService } from './attachments.service';

@Module({
  imports: [MongooseModule.forFeature([{ name: ATTACHMENT_MODEL, schema: AttachmentMongoSchema }])],
  controllers: [AttachmentsController, AttachmentsHandlers],
  providers: [AttachmentsRepository, AttachmentsService, ObjectStore],
  exports: [AttachmentsService, ObjectStore],
})
export class AttachmentsModule {}
