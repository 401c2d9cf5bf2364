export * from './lib/bootstrap';
export * from './lib/platform.module';
