export * from './lib/platform';
export * from './lib/client';
export * from './lib/load';
export * from './lib/infra';
