import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AudienceModule } from '../audience/audience.module';
import { PublisherModule } from '../publisher/publisher.module';
import { TypingModule } from '../typing/typing.module';
import { PresenceHandlers } from './presence.handlers';
import { PresenceRepository } from './presence.repository';
import {
  CONNECTION_MODEL,
  ConnectionSchema,
  GATEWAY_MODEL,
  GatewaySchema,
  USER_PRESENCE_MODEL,
  UserPresenceSchema,
} from './presence.schema';
import { PresenceService } from './presence.service';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: CONNECTION_MODEL, schema: ConnectionSchema },
      { name: GATEWAY_MODEL, schema: GatewaySchema },
      { name: USER_PRESENCE_MODEL, schema: UserPresenceSchema },
    ]),
    AudienceModule,
    TypingModule,
    PublisherModule,
  ],
  controllers: [PresenceHandlers],
  providers: [PresenceRepository, PresenceService],
})
export class PresenceModule {}
