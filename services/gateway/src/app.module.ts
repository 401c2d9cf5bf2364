import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { HttpErrorFilter, PlatformModule } from '@chat/platform-bootstrap';
import { SealingModule } from '@chat/platform-sealing';
import { AccountsController } from './accounts/accounts.controller';
import { JwtStrategy } from './accounts/jwt.strategy';
import { ProfileController } from './accounts/profile.controller';
import { RevokedSessions } from './accounts/revoked-sessions';
import { TokenService } from './accounts/token.service';
import { EnvSchema, type Env } from './config';

import { MediaController } from './media/media.controller';
import { DeliveryHandlers } from './realtime/delivery.handlers';
import { RealtimeGateway } from './realtime/realtime.gateway';

@Module({
  imports: [
    PlatformModule.forService({ name: 'gateway', env: EnvSchema, replies: true }),
    SealingModule,
    PassportModule,
    JwtModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<Env, true>) => ({ secret: config.get('JWT_SECRET', { infer: true }) }),
    }),
  ],
  controllers: [AccountsController, ProfileController, MediaController, DeliveryHandlers],
  providers: [
    TokenService,
    RevokedSessions,
    JwtStrategy,
    RealtimeGateway,
    { provide: APP_FILTER, useClass: HttpErrorFilter },
  ],
})
export class AppModule {}
