export * from './lib/options';
export * from './lib/errors';
export * from './lib/kafka-bus';
export * from './lib/kafka-transport';
export * from './lib/kafka.module';
export * from './lib/consumer-watch';
export * from './lib/handlers';
export * from './lib/own-key-assigner';
