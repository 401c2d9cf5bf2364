import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes } from 'kafkajs';
import { SERVICE_NAMES, serviceAcls, type ServiceName } from '@chat/contracts/bus';
import { join, resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { startPlatform, type Platform, type PlatformOptions } from './platform';

const ROOT = resolve(__dirname, '../../../..');

/**
 * A Kafka broker and FerretDB of a test file's own (tests/faults/infra-control.mjs),
 * which the test can stop, SIGKILL and start again, and whose data folder it can read.
 */
export class OwnInfra {
  private child!: ChildProcess;
  private lines!: Interface;
  private readonly waiting: ((line: string) => void)[] = [];
  kafkaBrokers = '';
  /** Where the operator reaches the broker without credentials (the same as kafkaBrokers on an open broker). */
  kafkaAdminBrokers = '';
  mongoUrl = '';
  /** Where the broker and FerretDB keep their data (the broker's log segments are under it). */
  dataDir = '';

  /** `kafkaUsers`: a broker that signs clients in with SASL/SCRAM and holds them to ACLs, with these users. */
  async start(opts: { kafkaUsers?: Record<string, string> } = {}): Promise<void> {
    const args = opts.kafkaUsers ? ['--kafka-users', JSON.stringify(opts.kafkaUsers)] : [];
    this.child = spawn(process.execPath, [join(ROOT, 'tests', 'faults', 'infra-control.mjs'), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = createInterface({ input: this.child.stdout! });
    this.lines.on('line', (line) => this.waiting.shift()?.(line));
    const first = JSON.parse(await this.next(300_000)) as { kafkaBrokers: string; kafkaAdminBrokers: string; mongoUrl: string; dataDir: string };
    this.kafkaBrokers = first.kafkaBrokers;
    this.kafkaAdminBrokers = first.kafkaAdminBrokers;
    this.mongoUrl = first.mongoUrl;
    this.dataDir = first.dataDir;
  }

  private next(timeoutMs = 120_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('infra control did not answer')), timeoutMs);
      this.waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  }

  /** `stop kafka`, `kill ferretdb`, `start kafka`…: resolves once done. */
  async command(cmd: string): Promise<void> {
    const answer = this.next();
    this.child.stdin!.write(`${cmd}\n`);
    const line = await answer;
    if (!line.startsWith('ok')) throw new Error(line);
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin!.end();
    await exited;
  }
}

/** Grants every service's principal (`User:<service>`) its ACLs (serviceAcls) for a namespace, as the chart's Kafka set-up does. */
export async function grantServiceAcls(adminBrokers: string, namespace: string): Promise<void> {
  const admin = new Kafka({ brokers: adminBrokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createAcls({
      acl: SERVICE_NAMES.flatMap((service) =>
        serviceAcls(service, namespace).map((b) => ({
          principal: `User:${service}`,
          host: '*',
          permissionType: AclPermissionTypes.ALLOW,
          resourceType: b.resource === 'topic' ? AclResourceTypes.TOPIC : AclResourceTypes.GROUP,
          resourceName: b.name,
          resourcePatternType: b.pattern === 'literal' ? ResourcePatternTypes.LITERAL : ResourcePatternTypes.PREFIXED,
          operation: { read: AclOperationTypes.READ, write: AclOperationTypes.WRITE, describe: AclOperationTypes.DESCRIBE, create: AclOperationTypes.CREATE }[b.operation],
        })),
      ),
    });
  } finally {
    await admin.disconnect();
  }
}

export interface OwnInfraOptions extends PlatformOptions {
  /**
   * The broker signs clients in with SASL/SCRAM and holds them to ACLs: every
   * service connects as its own user with only its grants (serviceAcls), as the
   * chart installs it.
   */
  kafkaAuth?: boolean;
}

/**
 * A platform on a broker and FerretDB of its own: for tests that take either away,
 * or read the broker's files. The platform's processes (and restarts) use the own
 * infrastructure; stop() ends both and gives the harness's back to the rest of the run.
 */
export async function startPlatformOnOwnInfra(
  opts: OwnInfraOptions = {},
): Promise<{ infra: OwnInfra; platform: Platform; stop(): Promise<void>; kafkaPasswords: Record<ServiceName, string> }> {
  const infra = new OwnInfra();
  const saved = { kafka: process.env['KAFKA_BROKERS'], mongo: process.env['MONGO_URL'] };
  const kafkaPasswords = Object.fromEntries(SERVICE_NAMES.map((s) => [s, randomBytes(16).toString('hex')])) as Record<ServiceName, string>;
  await infra.start(opts.kafkaAuth ? { kafkaUsers: kafkaPasswords } : {});
  process.env['KAFKA_BROKERS'] = infra.kafkaBrokers;
  process.env['MONGO_URL'] = infra.mongoUrl;
  let platform: Platform | undefined;
  const stop = async () => {
    await platform?.stop();
    await infra.stop();
    process.env['KAFKA_BROKERS'] = saved.kafka;
    process.env['MONGO_URL'] = saved.mongo;
  };
  try {
    const { kafkaAuth, ...platformOpts } = opts;
    if (kafkaAuth) {
      const namespace = opts.namespace ?? `t${randomBytes(4).toString('hex')}`;
      await grantServiceAcls(infra.kafkaAdminBrokers, namespace);
      const serviceEnv = Object.fromEntries(
        SERVICE_NAMES.map((s) => [s, { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_USERNAME: s, KAFKA_PASSWORD: kafkaPasswords[s], ...opts.serviceEnv?.[s] }]),
      );
      platform = await startPlatform({ ...platformOpts, namespace, serviceEnv, kafkaAdminBrokers: infra.kafkaAdminBrokers });
    } else {
      platform = await startPlatform(platformOpts);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { infra, platform, stop, kafkaPasswords };
}
