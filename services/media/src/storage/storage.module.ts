import { Global, Module } from '@nestjs/common';
import { ObjectStore } from './object-store';

/** The object store, for the features and for readiness (global: health checks are resolved outside the features). */
@Global()
@Module({ providers: [ObjectStore], exports: [ObjectStore] })
export class StorageModule {}
