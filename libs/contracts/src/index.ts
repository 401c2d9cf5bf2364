export * from './lib/errors';
export * from './lib/limits';
export * from './lib/validation';
export * from './lib/models';
export * from './lib/rest';
export * from './lib/socket';
export * from './lib/text';
