import { Module } from '@nestjs/common';
import { PresencePublisher } from './presence.publisher';

@Module({ providers: [PresencePublisher], exports: [PresencePublisher] })
export class PublisherModule {}
