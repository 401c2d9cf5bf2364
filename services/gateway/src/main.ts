import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { cleanupOpenApiDoc } from 'nestjs-zod';
import { REST_MAX_BODY } from '@chat/contracts';
import { bootstrapService } from '@chat/platform-bootstrap';
import { BROADCAST_DELIVERY_KEY } from '@chat/contracts/bus';
import { KafkaBus } from '@chat/platform-kafka';
import { AppModule } from './app.module';
import { allowedOrigins, trustedProxies, type Env } from './config';
import { serveWebClient } from './http/web-client';
import { DeliveryHandlers } from './realtime/delivery.handlers';
import { ChatSocketAdapter } from './realtime/socket.adapter';

void bootstrapService(AppModule, (app) => {
  const bus = app.get(KafkaBus);
  const instance = bus.options.instanceId;
  const deliveries = bus.topic('deliveries');
  const handlers = app.get(DeliveryHandlers);
  return {
    // Each replica has its own group, and reads of the deliveries only what is routed to it
    // (keyed by its id) or broadcast; every partition of its other topics (session events).
    groupId: `gateway-${instance}`,
    fromBeginning: false,
    // Its replies in the same consumer: an answer and its push, produced together, come in one fetch.
    // With DELIVERY_ROUTING=off, every partition of the deliveries.
    soleMember: {
      replies: true,
      keysOf: (topic) => (topic === deliveries && bus.options.deliveryRouting !== false ? [instance, BROADCAST_DELIVERY_KEY] : undefined),
    },
    // Another gateway's deliveries on a shared partition are dropped unparsed.
    skip: (topic, key) => handlers.foreign(topic, key),
    concurrency: 4,
    configure: (nest) => {
      const http = nest as NestExpressApplication;
      const config = http.get(ConfigService<Env, true>);
      const origins = allowedOrigins({ CORS_ORIGINS: config.get('CORS_ORIGINS', { infer: true }) });
      http.set('trust proxy', trustedProxies({ TRUSTED_PROXIES: config.get('TRUSTED_PROXIES', { infer: true }) }));
      http.disable('x-powered-by');
      http.use(
        helmet({
          contentSecurityPolicy: {
            directives: { 'default-src': ["'self'"], 'connect-src': ["'self'", 'ws:', 'wss:'], 'img-src': ["'self'", 'data:', 'blob:'], 'style-src': ["'self'", "'unsafe-inline'"], 'font-src': ["'self'", 'data:'] },
          },
        }),
      );
      http.useBodyParser('json', { limit: REST_MAX_BODY });
      http.use(cookieParser());
      if (origins.length) http.enableCors({ origin: origins, credentials: true });
      http.setGlobalPrefix('api/v1', { exclude: ['metrics'] });
      http.useWebSocketAdapter(new ChatSocketAdapter(http, origins));
      if (config.get('API_DOCS', { infer: true }) === 'on') {
        const doc = SwaggerModule.createDocument(
          http,
          new DocumentBuilder().setTitle('Chat REST API').setVersion('1').addBearerAuth().build(),
        );
        SwaggerModule.setup('api/v1/docs', http, cleanupOpenApiDoc(doc), { jsonDocumentUrl: 'api/v1/openapi.json' });
      }
      serveWebClient(http, config.get('WEB_DIR', { infer: true }));
    },
  };
});
