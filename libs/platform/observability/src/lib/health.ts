import { Controller, Get, Inject, Module, type DynamicModule, type Type } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';

/** A dependency whose reachability decides readiness. */
export interface DependencyCheck {
  readonly name: string;
  isUp(): Promise<boolean> | boolean;
}

const CHECKS = Symbol('HEALTH_CHECKS');

/**
 * `GET health` is readiness: 503 while a dependency is down, back to 200 when
 * it returns, without a restart. `GET health/live` is liveness: 200 while the
 * process can answer at all, so a dependency outage never gets it killed.
 */
@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(CHECKS) private readonly checks: DependencyCheck[],
  ) {}

  @Get()
  @HealthCheck()
  ready() {
    return this.health.check(
      this.checks.map((c) => async () => {
        const session = this.indicators.check(c.name);
        return (await c.isUp()) ? session.up() : session.down();
      }),
    );
  }

  @Get('live')
  live() {
    return { status: 'ok' };
  }
}

@Module({})
export class HealthModule {
  static forRoot(checks: Type<DependencyCheck>[]): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [{ provide: CHECKS, inject: checks, useFactory: (...found: DependencyCheck[]) => found }],
    };
  }
}
