import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { PublisherModule } from '../publisher/publisher.module';
import { UsersModule } from '../users/users.module';
import { ContactsHandlers } from './contacts.handlers';
import { ContactsRepository } from './contacts.repository';
import { CONTACT_MODEL, ContactMongoSchema } from './contacts.schema';
import { ContactsService } from './contacts.service';

@Module({
  imports: [UsersModule, PublisherModule, MongooseModule.forFeature([{ name: CONTACT_MODEL, schema: ContactMongoSchema }])],
  controllers: [ContactsHandlers],
  providers: [ContactsRepository, ContactsService],
  exports: [ContactsService],
})
export class ContactsModule {}
