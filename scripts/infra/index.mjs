#!/usr/bin/env node
// The local infrastructure launcher: a real Kafka broker, FerretDB and an
// S3-compatible object store (SeaweedFS) on loopback, each provisioned once
// into the cache folder, unless KAFKA_BROKERS / MONGO_URL / S3_ENDPOINT point
// at servers that already exist.
//
//   node scripts/infra/index.mjs [--profile dev] [--kafka-port 9092] [--controller-port 9093]
//        [--mongo-port 27017] [--s3-port 8333] [--data-dir .data/dev] [--cache-dir .cache]
//        [--log-dir .logs/dev] [--reset] [--provision-only]
//
// As a module: startInfra(options) → { kafkaBrokers, mongoUrl, s3, kafka, ferretdb, seaweedfs, stop() }.
// startKafka()/startFerretDB()/startSeaweedFS() start one server alone; their handles have
// stop()/start()/kill(), which fault tests use to take a dependency away and bring it back.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { onShutdownSignal } from '../lib/proc.mjs';
import { envInt, fromRoot, quietKnownWarnings, say, seconds } from '../lib/util.mjs';
import { FERRETDB_VERSION, mongoReady, provisionFerretDB, startFerretDB } from './ferretdb.mjs';
import { KAFKA_VERSION, checkJava, kafkaReady, provisionKafka, startKafka } from './kafka.mjs';
import { SEAWEEDFS_VERSION, provisionSeaweedFS, s3Ready, startSeaweedFS } from './seaweedfs.mjs';

export { FERRETDB_VERSION, KAFKA_VERSION, SEAWEEDFS_VERSION, kafkaReady, mongoReady, provisionFerretDB, provisionKafka, provisionSeaweedFS, s3Ready, startFerretDB, startKafka, startSeaweedFS };
export { freePort, portInUse } from '../lib/util.mjs';

/**
 * Settles every option: explicit options first, then CHAT_* environment
 * variables, then defaults.
 *
 * | option         | environment                 | default          |
 * | profile        | CHAT_PROFILE                | dev              |
 * | kafkaPort      | CHAT_KAFKA_PORT             | 9092             |
 * | controllerPort | CHAT_KAFKA_CONTROLLER_PORT  | 9093             |
 * | mongoPort      | CHAT_MONGO_PORT             | 27017            |
 * | s3Port         | CHAT_S3_PORT (and next 7)   | 8333             |
 * | dataDir        | CHAT_DATA_DIR               | .data/<profile>  |
 * | cacheDir       | CHAT_CACHE_DIR              | .cache           |
 * | logDir         | CHAT_LOG_DIR                | .logs/<profile>  |
 * | kafkaBrokers   | KAFKA_BROKERS (skip broker) | start one        |
 * | mongoUrl       | MONGO_URL (skip FerretDB)   | start one        |
 * | s3             | S3_ENDPOINT (skip SeaweedFS), with S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY | start one |
 *
 * The broker itself also reads CHAT_KAFKA_HEAP (384m), CHAT_KAFKA_JVM_OPTS and
 * CHAT_KAFKA_SERVER_PROPS (`key=value;key=value`, over kafka.mjs's server.properties).
 */
export function resolveInfraOptions(options = {}, env = process.env) {
  const profile = options.profile ?? env.CHAT_PROFILE ?? 'dev';
  return {
    profile,
    // The address Kafka, FerretDB and SeaweedFS listen on: loopback unless a local bridge's is asked for.
    host: options.host ?? env.CHAT_INFRA_HOST ?? '127.0.0.1',
    kafkaPort: options.kafkaPort ?? envInt('CHAT_KAFKA_PORT') ?? 9092,
    controllerPort: options.controllerPort ?? envInt('CHAT_KAFKA_CONTROLLER_PORT') ?? 9093,
    mongoPort: options.mongoPort ?? envInt('CHAT_MONGO_PORT') ?? 27017,
    s3Port: options.s3Port ?? envInt('CHAT_S3_PORT') ?? 8333,
    dataDir: fromRoot(options.dataDir ?? env.CHAT_DATA_DIR ?? path.join('.data', profile)),
    cacheDir: fromRoot(options.cacheDir ?? env.CHAT_CACHE_DIR ?? '.cache'),
    logDir: fromRoot(options.logDir ?? env.CHAT_LOG_DIR ?? path.join('.logs', profile)),
    kafkaBrokers: 'kafkaBrokers' in options ? options.kafkaBrokers : env.KAFKA_BROKERS || undefined,
    mongoUrl: 'mongoUrl' in options ? options.mongoUrl : env.MONGO_URL || undefined,
    s3: 's3' in options ? options.s3 : env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT, accessKeyId: env.S3_ACCESS_KEY_ID ?? '', secretAccessKey: env.S3_SECRET_ACCESS_KEY ?? '' } : undefined,
  };
}

/**
 * Starts what is missing: a Kafka broker unless kafkaBrokers/KAFKA_BROKERS is
 * given, FerretDB unless mongoUrl/MONGO_URL is given, SeaweedFS unless
 * s3/S3_ENDPOINT is given. They are provisioned and started side by side.
 * Resolves when all are ready.
 */
export async function startInfra(options = {}) {
  const o = resolveInfraOptions(options);
  const started = Date.now();
  const common = { dataDir: o.dataDir, cacheDir: o.cacheDir, logDir: o.logDir };
  if (o.kafkaBrokers) say('kafka', `using KAFKA_BROKERS=${o.kafkaBrokers}`);
  if (o.mongoUrl) say('mongo', `using MONGO_URL=${o.mongoUrl}`);
  if (o.s3) say('s3', `using S3_ENDPOINT=${o.s3.endpoint}`);
  if (!o.kafkaBrokers) await checkJava(); // fail on a missing tool before spending minutes on the other one

  const results = await Promise.allSettled([
    o.kafkaBrokers ? null : startKafka({ ...common, host: o.host, port: o.kafkaPort, controllerPort: o.controllerPort }),
    o.mongoUrl ? null : startFerretDB({ ...common, host: o.host, port: o.mongoPort }),
    o.s3 ? null : startSeaweedFS({ ...common, host: o.host, port: o.s3Port }),
  ]);
  const [kafka, ferretdb, seaweedfs] = results.map((r) => (r.status === 'fulfilled' ? r.value : null));
  const failures = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  const stop = async () => {
    await Promise.all([kafka?.stop(), ferretdb?.stop(), seaweedfs?.stop()]);
  };
  if (failures.length) {
    await stop();
    const error = new Error(failures.map((e) => e.message).join('\n\n'));
    error.causes = failures;
    throw error;
  }
  if (kafka || ferretdb || seaweedfs) say('infra', `ready in ${seconds(Date.now() - started)}`);
  return {
    profile: o.profile,
    dataDir: o.dataDir,
    logDir: o.logDir,
    kafkaBrokers: o.kafkaBrokers ?? kafka.brokers,
    mongoUrl: o.mongoUrl ?? ferretdb.url,
    /** Where the object store is and its access key. */
    s3: o.s3 ?? { endpoint: seaweedfs.endpoint, accessKeyId: seaweedfs.accessKeyId, secretAccessKey: seaweedfs.secretAccessKey },
    /** null when KAFKA_BROKERS was given. */
    kafka,
    /** null when MONGO_URL was given. */
    ferretdb,
    /** null when S3_ENDPOINT was given. */
    seaweedfs,
    stop,
  };
}

async function main() {
  quietKnownWarnings();
  const { values } = parseArgs({
    options: {
      profile: { type: 'string' },
      'kafka-port': { type: 'string' },
      'controller-port': { type: 'string' },
      'mongo-port': { type: 'string' },
      's3-port': { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'cache-dir': { type: 'string' },
      'log-dir': { type: 'string' },
      reset: { type: 'boolean', default: false },
      'provision-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: node scripts/infra/index.mjs [--profile dev] [--kafka-port 9092] [--controller-port 9093]\n' +
        '         [--mongo-port 27017] [--s3-port 8333] [--host 127.0.0.1] [--data-dir DIR] [--cache-dir DIR] [--log-dir DIR] [--reset] [--provision-only]\n' +
        'Starts Kafka, FerretDB and SeaweedFS on 127.0.0.1 (unless KAFKA_BROKERS / MONGO_URL / S3_ENDPOINT are set) and runs until Ctrl-C.\n' +
        '--host: Kafka, FerretDB and SeaweedFS listen there instead (a local bridge, for the cluster test).\n',
    );
    return;
  }
  const port = (v) => (v === undefined ? undefined : Number(v));
  const options = {
    profile: values.profile,
    kafkaPort: port(values['kafka-port']),
    controllerPort: port(values['controller-port']),
    mongoPort: port(values['mongo-port']),
    s3Port: port(values['s3-port']),
    host: values.host,
    dataDir: values['data-dir'],
    cacheDir: values['cache-dir'],
    logDir: values['log-dir'],
  };
  for (const k of Object.keys(options)) if (options[k] === undefined) delete options[k];
  const o = resolveInfraOptions(options);

  if (values['provision-only']) {
    await Promise.all([
      o.kafkaBrokers ? null : provisionKafka(o),
      o.mongoUrl ? null : provisionFerretDB(o),
      o.s3 ? null : provisionSeaweedFS(o),
    ]);
    say('infra', 'provisioned');
    return;
  }
  if (values.reset) {
    say('infra', `deleting ${o.dataDir}`);
    rmSync(o.dataDir, { recursive: true, force: true });
  }
  let infra = null;
  let stopping = false;
  onShutdownSignal(async () => {
    stopping = true;
    await infra?.stop();
    say('infra', 'stopped');
  });
  infra = await startInfra(options);
  process.stdout.write(
    `KAFKA_BROKERS=${infra.kafkaBrokers}\nMONGO_URL=${infra.mongoUrl}\n` +
      `S3_ENDPOINT=${infra.s3.endpoint}\nS3_ACCESS_KEY_ID=${infra.s3.accessKeyId}\nS3_SECRET_ACCESS_KEY=${infra.s3.secretAccessKey}\n`,
  );
  say('infra', 'running; Ctrl-C stops it');
  // Report a server that dies on its own, and stop the other one.
  const watched = [infra.kafka, infra.ferretdb, infra.seaweedfs].filter(Boolean).map((h) => h.process.exited.then(() => h));
  if (watched.length) {
    const dead = await Promise.race(watched);
    if (stopping) return;
    say('infra', `${dead.name} exited on its own (see ${dead.logFile}); stopping`);
    await infra.stop();
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err) => {
    process.stderr.write(`\n${err.message ?? err}\n`);
    process.exit(1);
  });
}
