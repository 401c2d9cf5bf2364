import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AudienceHandlers } from './audience.handlers';
import { AudienceRepository } from './audience.repository';
import { BLOCK_MODEL, BlockSchema, CONTACT_MODEL, CONVERSATION_MODEL, ContactSchema, ConversationSchema } from './audience.schema';
import { AudienceService } from './audience.service';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: CONVERSATION_MODEL, schema: ConversationSchema },
      { name: CONTACT_MODEL, schema: ContactSchema },
      { name: BLOCK_MODEL, schema: BlockSchema },
    ]),
  ],
  controllers: [AudienceHandlers],
  providers: [AudienceRepository, AudienceService],
  exports: [AudienceService],
})
export class AudienceModule {}
