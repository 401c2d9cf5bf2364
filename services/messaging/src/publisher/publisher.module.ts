import { Module } from '@nestjs/common';
import { MessagingPublisher } from './messaging.publisher';

@Module({ providers: [MessagingPublisher], exports: [MessagingPublisher] })
export class PublisherModule {}
