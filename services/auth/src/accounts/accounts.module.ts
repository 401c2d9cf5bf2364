import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SessionsModule } from '../sessions/sessions.module';
import { AccountsHandlers } from './accounts.handlers';
import { AccountsRepository } from './accounts.repository';
import { CREDENTIAL_MODEL, CredentialMongoSchema } from './accounts.schema';
import { AccountsService } from './accounts.service';
import { Argon2Hasher } from './password-hasher';

@Module({
  imports: [MongooseModule.forFeature([{ name: CREDENTIAL_MODEL, schema: CredentialMongoSchema }]), SessionsModule, RateLimitModule],
  controllers: [AccountsHandlers],
  providers: [AccountsRepository, Argon2Hasher, AccountsService],
})
export class AccountsModule {}
