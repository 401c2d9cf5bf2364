import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { KafkaBus } from '@chat/platform-kafka';
import { UsersHandlers } from './users.handlers';
import { UsersRepository } from './users.repository';
import { USER_MODEL, UserMongoSchema } from './users.schema';
import { UsersService } from './users.service';

@Module({
  imports: [MongooseModule.forFeature([{ name: USER_MODEL, schema: UserMongoSchema }])],
  controllers: [UsersHandlers],
  providers: [
    UsersRepository,
    { provide: UsersService, inject: [UsersRepository, KafkaBus], useFactory: (repo: UsersRepository, bus: KafkaBus) => new UsersService(repo, bus) },
  ],
  exports: [UsersService],
})
export class UsersModule {}
