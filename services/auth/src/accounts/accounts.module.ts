import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { MongooseModule } from '@nestjs/mongoose';
import { KafkaBus } from '@chat/platform-kafka';
import type { Env } from '../config';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { RateLimiter } from '../rate-limit/rate-limiter.service';
import { SessionsModule } from '../sessions/sessions.module';
import { SessionsService } from '../sessions/sessions.service';
import { AccountsHandlers } from './accounts.handlers';
import { AccountsRepository } from './accounts.repository';
import { CREDENTIAL_MODEL, CredentialMongoSchema } from './accounts.schema';
import { AccountsService } from './accounts.service';
import { Argon2Hasher } from './password-hasher';

@Module({
  imports: [MongooseModule.forFeature([{ name: CREDENTIAL_MODEL, schema: CredentialMongoSchema }]), SessionsModule, RateLimitModule],
  controllers: [AccountsHandlers],
  providers: [
    AccountsRepository,
    {
      provide: AccountsService,
      inject: [AccountsRepository, SessionsService, RateLimiter, KafkaBus, ConfigService],
      useFactory: (repo: AccountsRepository, sessions: SessionsService, limiter: RateLimiter, bus: KafkaBus, config: ConfigService<Env, true>) =>
        new AccountsService(
          repo,
          new Argon2Hasher({
            memoryCost: config.get('ARGON2_MEMORY_KIB', { infer: true }),
            timeCost: config.get('ARGON2_TIME_COST', { infer: true }),
            parallelism: config.get('ARGON2_PARALLELISM', { infer: true }),
          }),
          sessions,
          limiter,
          bus,
          {
            loginPerUsername: config.get('LOGIN_LIMIT_PER_USERNAME', { infer: true }),
            loginPerAddress: config.get('LOGIN_LIMIT_PER_ADDRESS', { infer: true }),
            loginWindowSec: config.get('LOGIN_WINDOW_SEC', { infer: true }),
            registerPerAddress: config.get('REGISTER_LIMIT_PER_ADDRESS', { infer: true }),
            registerWindowSec: config.get('REGISTER_WINDOW_SEC', { infer: true }),
          },
        ),
    },
  ],
})
export class AccountsModule {}
