export * from './lib/mongo.module';
