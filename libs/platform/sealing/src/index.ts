export * from './lib/field-sealer';
export * from './lib/sealing.module';
