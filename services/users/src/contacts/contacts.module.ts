import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { KafkaBus } from '@chat/platform-kafka';
import { UsersModule } from '../users/users.module';
import { UsersService } from '../users/users.service';
import { ContactsHandlers } from './contacts.handlers';
import { ContactsRepository } from './contacts.repository';
import { CONTACT_MODEL, ContactMongoSchema } from './contacts.schema';
import { ContactsService } from './contacts.service';

@Module({
  imports: [UsersModule, MongooseModule.forFeature([{ name: CONTACT_MODEL, schema: ContactMongoSchema }])],
  controllers: [ContactsHandlers],
  providers: [
    ContactsRepository,
    {
      provide: ContactsService,
      inject: [ContactsRepository, UsersService, KafkaBus],
      useFactory: (repo: ContactsRepository, users: UsersService, bus: KafkaBus) => new ContactsService(repo, users, bus),
    },
  ],
})
export class ContactsModule {}
