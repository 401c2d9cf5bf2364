export * from './lib/kafka';
export * from './lib/access';
