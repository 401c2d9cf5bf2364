import { type DynamicModule, Global, Injectable, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectConnection, MongooseModule } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import type { BaseEnv } from '@chat/platform-config';
import { slowPoolChecks } from './pool-check-fix';

slowPoolChecks();

/** Readiness of the database: a ping that must answer within a second. */
@Injectable()
export class MongoHealth {
  readonly name = 'mongodb';
  constructor(@InjectConnection() private readonly connection: Connection) {}

  async isUp(): Promise<boolean> {
    const db = this.connection.db;
    if (!db || this.connection.readyState !== 1) return false;
    const ping = db.admin().ping();
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 1000).unref());
    try {
      await Promise.race([ping, timeout]);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * The service's own database. Code here sticks to what both MongoDB and
 * FerretDB v1 support: single-document atomicity, unique compound indexes,
 * $inc, findOneAndUpdate; no transactions, change streams, $lookup or TTL.
 */
@Global()
@Module({})
export class MongoModule {
  static forRoot(): DynamicModule {
    return {
      module: MongoModule,
      imports: [
        MongooseModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<BaseEnv, true>) => ({
            uri: config.get('MONGO_URL', { infer: true }),
            dbName: config.get('MONGO_DB', { infer: true }),
            serverSelectionTimeoutMS: 3000,
            // No operation may wait forever on a connection that stopped answering (the driver's
            // default is no limit): it fails as a network timeout, which handlers retry.
            socketTimeoutMS: 30000,
            waitQueueTimeoutMS: 15000,
            heartbeatFrequencyMS: 2000,
            maxPoolSize: 20,
            autoIndex: true,
            autoCreate: true,
          }),
        }),
      ],
      providers: [MongoHealth],
      exports: [MongoHealth, MongooseModule],
    };
  }
}
