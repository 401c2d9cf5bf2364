export * from './lib/write-batcher';
