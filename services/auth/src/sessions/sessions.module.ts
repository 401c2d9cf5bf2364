import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { MongooseModule } from '@nestjs/mongoose';
import { KafkaBus } from '@chat/platform-kafka';
import type { Env } from '../config';
import { SessionsHandlers } from './sessions.handlers';
import { SessionsRepository } from './sessions.repository';
import { SESSION_MODEL, SessionMongoSchema } from './sessions.schema';
import { SessionsService } from './sessions.service';

@Module({
  imports: [
    MongooseModule.forFeature([{ name: SESSION_MODEL, schema: SessionMongoSchema }]),
    JwtModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<Env, true>) => ({
        secret: config.get('JWT_SECRET', { infer: true }),
        signOptions: { algorithm: 'HS256' },
      }),
    }),
  ],
  controllers: [SessionsHandlers],
  providers: [
    SessionsRepository,
    {
      provide: SessionsService,
      inject: [SessionsRepository, JwtService, KafkaBus, ConfigService],
      useFactory: (repo: SessionsRepository, jwt: JwtService, bus: KafkaBus, config: ConfigService<Env, true>) =>
        new SessionsService(repo, jwt, bus, {
          issuer: config.get('JWT_ISSUER', { infer: true }),
          audience: config.get('JWT_AUDIENCE', { infer: true }),
          accessTtlSec: config.get('ACCESS_TTL_SEC', { infer: true }),
          refreshTtlSec: config.get('REFRESH_TTL_SEC', { infer: true }),
        }),
    },
  ],
  exports: [SessionsService],
})
export class SessionsModule {}
