import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { configModule } from '@chat/platform-config';
import { KafkaModule } from '@chat/platform-kafka';
import { loggingModule, MetricsModule } from '@chat/platform-observability';
import { AccountsController } from './accounts/accounts.controller';
import { JwtStrategy } from './accounts/jwt.strategy';
import { RevokedSessions } from './accounts/revoked-sessions';
import { TokenService } from './accounts/token.service';
import { EnvSchema, type Env } from './config';
import { GatewayHealthController } from './http/health.controller';
import { HttpErrorFilter } from './http/http-error.filter';
import { DeliveryHandlers } from './realtime/delivery.handlers';
import { RealtimeGateway } from './realtime/realtime.gateway';

@Module({
  imports: [
    configModule(EnvSchema),
    loggingModule('gateway'),
    MetricsModule.forRoot(),
    KafkaModule.forService({ service: 'gateway', replies: true }),
    PassportModule,
    JwtModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<Env, true>) => ({ secret: config.get('JWT_SECRET', { infer: true }) }),
    }),
  ],
  controllers: [AccountsController, GatewayHealthController, DeliveryHandlers],
  providers: [
    TokenService,
    RevokedSessions,
    JwtStrategy,
    RealtimeGateway,
    { provide: APP_FILTER, useClass: HttpErrorFilter },
  ],
})
export class AppModule {}
