import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { BlocksModule } from '../blocks/blocks.module';
import { PublisherModule } from '../publisher/publisher.module';
import { UsersHandlers } from './users.handlers';
import { UsersRepository } from './users.repository';
import { USER_MODEL, UserMongoSchema } from './users.schema';
import { UsersService } from './users.service';

@Module({
  imports: [MongooseModule.forFeature([{ name: USER_MODEL, schema: UserMongoSchema }]), PublisherModule, BlocksModule],
  controllers: [UsersHandlers],
  providers: [UsersRepository, UsersService],
  exports: [UsersService],
})
export class UsersModule {}
