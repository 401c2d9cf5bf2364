import { Module } from '@nestjs/common';
import { DeliveryRouter } from '@chat/platform-kafka';
import { PresencePublisher } from './presence.publisher';

@Module({ providers: [DeliveryRouter, PresencePublisher], exports: [PresencePublisher] })
export class PublisherModule {}
