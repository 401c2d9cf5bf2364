export * from './lib/field-sealer';
