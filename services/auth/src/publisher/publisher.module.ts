import { Module } from '@nestjs/common';
import { AuthPublisher } from './auth.publisher';

@Module({ providers: [AuthPublisher], exports: [AuthPublisher] })
export class PublisherModule {}
