export * from './lib/mongo.module';
export * from './lib/by-ids';
export * from './lib/write-batcher';
