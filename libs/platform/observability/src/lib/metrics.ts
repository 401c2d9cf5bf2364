import { Controller, Get, Header, Injectable, Module, Global, type DynamicModule } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry, Gauge } from 'prom-client';

/** How often the default metrics sample the event loop's delay (ms). */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** One Prometheus registry per process, with the metrics every service shares. */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly handled: Histogram<'type' | 'outcome'>;
  readonly errors: Counter<'code'>;
  readonly lag: Gauge<'topic' | 'partition'>;
  readonly hop: Histogram<'topic'>;

  constructor() {
    // The event-loop delay is sampled every 100 ms, not every 10 (prom-client's default): each
    // sample wakes the process, and at rest those wakeups were most of what a service did.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    this.handled = new Histogram({
      name: 'chat_handler_seconds',
      help: 'Time to handle one Kafka message, by message type and outcome',
      labelNames: ['type', 'outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [this.registry],
    });
    this.errors = new Counter({
      name: 'chat_errors_total',
      help: 'Errors answered to clients or callers, by protocol code',
      labelNames: ['code'],
      registers: [this.registry],
    });
    this.hop = new Histogram({
      name: 'chat_bus_hop_seconds',
      help: "A Kafka hop: the message's produce (its timestamp) to this consumer's batch, by topic",
      labelNames: ['topic'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [this.registry],
    });
    this.lag = new Gauge({
      name: 'chat_consumer_lag',
      help: 'Messages the consumer group is behind, by topic and partition (after the last batch)',
      labelNames: ['topic', 'partition'],
      registers: [this.registry],
    });
  }

  /** The bus's hop hook: how long a message took from its produce to this consumer (its topic, without the namespace). */
  observeHop = (topic: string, ms: number): void => {
    this.hop.observe({ topic }, Math.max(0, ms) / 1000);
  };

  /** The transport's lag hook. */
  observeLag = (topic: string, partition: number, lag: number): void => {
    this.lag.set({ topic, partition: String(partition) }, lag);
  };

  histogram<L extends string>(name: string, help: string, labelNames: L[] = [], buckets?: number[]): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  counter<L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  gauge<L extends string>(name: string, help: string, labelNames: L[] = [], collect?: () => number): Gauge<L> {
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      ...(collect ? { collect(this: Gauge<L>) { this.set(collect()); } } : {}),
    });
  }

  /** The transport's observe hook. */
  observe = (type: string, ms: number, outcome: string): void => {
    this.handled.observe({ type, outcome }, ms / 1000);
  };
}

@Controller('metrics')
class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

@Global()
@Module({})
export class MetricsModule {
  static forRoot(): DynamicModule {
    return { module: MetricsModule, controllers: [MetricsController], providers: [Metrics], exports: [Metrics] };
  }
}
