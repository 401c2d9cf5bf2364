import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import type { BaseEnv } from '@chat/platform-config';

/** Structured JSON logs (pino) with the service's name; secrets never reach a line. */
export function loggingModule(service: string) {
  return LoggerModule.forRootAsync({
    inject: [ConfigService],
    useFactory: (config: ConfigService<BaseEnv, true>) => ({
      pinoHttp: {
        level: config.get('LOG_LEVEL', { infer: true }),
        base: { service },
        redact: {
          paths: [
            'req.headers.authorization',
            'req.headers.cookie',
            'res.headers["set-cookie"]',
            '*.password',
            '*.refreshToken',
            '*.accessToken',
            '*.token',
          ],
          censor: '[redacted]',
        },
        // Health and metrics scrapes are noise.
        autoLogging: { ignore: (req: { url?: string }) => /\/(health|metrics)/.test(req.url ?? '') },
        customProps: (req: { headers: Record<string, unknown> }) => ({
          correlationId: req.headers['x-correlation-id'],
        }),
      },
    }),
  });
}
