import { Module } from '@nestjs/common';
import { DeliveryRouter } from '@chat/platform-kafka';
import { MessagingPublisher } from './messaging.publisher';

@Module({ providers: [DeliveryRouter, MessagingPublisher], exports: [MessagingPublisher] })
export class PublisherModule {}
