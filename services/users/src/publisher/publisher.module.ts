import { Module } from '@nestjs/common';
import { UsersPublisher } from './users.publisher';

@Module({ providers: [UsersPublisher], exports: [UsersPublisher] })
export class PublisherModule {}
