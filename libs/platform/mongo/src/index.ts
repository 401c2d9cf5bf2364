export * from './lib/mongo.module';
export * from './lib/by-ids';
