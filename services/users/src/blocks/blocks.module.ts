import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { PublisherModule } from '../publisher/publisher.module';
import { BlocksRepository } from './blocks.repository';
import { BLOCK_MODEL, BlockMongoSchema } from './blocks.schema';
import { BlocksService } from './blocks.service';

/** Blocks as data; the socket commands go through the users handlers, which know whether a user exists. */
@Module({
  imports: [PublisherModule, MongooseModule.forFeature([{ name: BLOCK_MODEL, schema: BlockMongoSchema }])],
  providers: [BlocksRepository, BlocksService],
  exports: [BlocksService],
})
export class BlocksModule {}
