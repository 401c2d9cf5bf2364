export * from './lib/signing';
export * from './lib/file-name';
