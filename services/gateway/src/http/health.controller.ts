import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { KafkaBus } from '@chat/platform-kafka';

/** `GET /api/v1/health`: 200 while the gateway can reach Kafka, 503 otherwise. */
@Controller('health')
export class GatewayHealthController {
  constructor(private readonly bus: KafkaBus) {}

  @Get()
  ready() {
    if (!this.bus.isHealthy()) throw new ServiceUnavailableException();
    return { status: 'ok', kafka: 'up' };
  }

  @Get('live')
  live() {
    return { status: 'ok' };
  }
}
