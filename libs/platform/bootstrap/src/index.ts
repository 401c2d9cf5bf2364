export * from './lib/bootstrap';
export * from './lib/platform.module';
export * from './lib/http-error.filter';
export * from './lib/startup';
