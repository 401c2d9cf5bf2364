export * from './lib/logging';
export * from './lib/metrics';
export * from './lib/health';
