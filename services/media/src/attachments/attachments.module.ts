import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AttachmentsController } from './attachments.controller';
import { AttachmentsHandlers } from './attachments.handlers';
import { AttachmentsRepository } from './attachments.repository';
import { ATTACHMENT_MODEL, AttachmentMongoSchema } from './attachments.schema';
import { AttachmentsService } from './attachments.service';

@Module({
  imports: [MongooseModule.forFeature([{ name: ATTACHMENT_MODEL, schema: AttachmentMongoSchema }])],
  controllers: [AttachmentsController, AttachmentsHandlers],
  providers: [AttachmentsRepository, AttachmentsService],
  exports: [AttachmentsService],
})
export class AttachmentsModule {}
