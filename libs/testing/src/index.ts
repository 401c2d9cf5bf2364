export * from './lib/platform';
export * from './lib/client';
