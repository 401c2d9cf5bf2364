import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { SERVICE_NAMES, TOPICS, type ServiceName, type TopicKey } from '@chat/contracts/bus';
import { partitionOfKey } from '@chat/platform-kafka';

export type { ServiceName };
/** In start order: the gateway last, once everything it asks is up. */
export const SERVICES: readonly ServiceName[] = SERVICE_NAMES;

const ROOT = resolve(__dirname, '../../../..');

export interface PlatformOptions {
  /** How many processes of each service (default 1 each). */
  replicas?: Partial<Record<ServiceName, number>>;
  /** Extra environment for every process. */
  env?: Record<string, string>;
  /** Serve the built web client from the gateway. */
  web?: boolean;
  /** The Kafka namespace and database name (default: a new random one). */
  namespace?: string;
  /** Extra environment per service (a service's own Kafka credentials, say). */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Where the test reads the broker as its operator, when KAFKA_BROKERS asks for credentials. */
  kafkaAdminBrokers?: string;
}

export interface ServiceProcess {
  name: ServiceName;
  index: number;
  port: number;
  child: ChildProcess;
  instanceId: string;
}

/** Finds a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

/** How long a spawned process may take to become healthy (TEST_START_TIMEOUT_MS: raise it on a crowded machine). */
const START_TIMEOUT_MS = Number(process.env['TEST_START_TIMEOUT_MS'] ?? 60000);

async function waitHealthy(url: string, child: ChildProcess, timeoutMs = START_TIMEOUT_MS): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become healthy in ${timeoutMs} ms`);
}

/**
 * A whole platform for one test file: the built services as real processes on
 * loopback, on the Kafka and MongoDB-protocol server the harness started
 * (KAFKA_BROKERS, MONGO_URL), isolated from every other run by their own
 * Kafka namespace and database.
 */
export class Platform {
  readonly namespace: string;
  readonly jwtSecret = randomBytes(32).toString('hex');
  readonly mediaSecret = randomBytes(32).toString('hex');
  /** media-0's port, chosen before anything starts so the gateways know where to stream files. */
  private mediaPort: number | null = null;
  readonly procs: ServiceProcess[] = [];
  /** Processes that ended by themselves (a crash), not by signal() or stop(): "messaging-0 exited with 1". */
  readonly crashes: string[] = [];
  private readonly ending = new Set<ChildProcess>();
  private readonly logDir: string;

  constructor(private readonly opts: PlatformOptions = {}) {
    this.namespace = opts.namespace ?? `t${randomBytes(4).toString('hex')}`;
    this.logDir = join(ROOT, '.logs', 'tests', this.namespace);
    mkdirSync(this.logDir, { recursive: true });
  }

  /** The first gateway's base URL. */
  get url(): string {
    return this.urls[0]!;
  }

  get urls(): string[] {
    return this.procs.filter((p) => p.name === 'gateway' && p.child.exitCode === null && !p.child.killed).map((p) => `http://127.0.0.1:${p.port}`);
  }

  env(): Record<string, string> {
    const kafka = process.env['KAFKA_BROKERS'];
    const mongo = process.env['MONGO_URL'];
    const s3 = process.env['S3_ENDPOINT'];
    if (!kafka || !mongo || !s3) throw new Error('KAFKA_BROKERS, MONGO_URL and S3_ENDPOINT (with S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY) must be set (npm test starts them)');
    return {
      S3_ENDPOINT: s3,
      S3_ACCESS_KEY_ID: process.env['S3_ACCESS_KEY_ID'] ?? '',
      S3_SECRET_ACCESS_KEY: process.env['S3_SECRET_ACCESS_KEY'] ?? '',
      // A bucket per platform, as the Kafka namespace and the database are.
      S3_BUCKET: `chat-${this.namespace}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63),
      MEDIA_URL_SECRET: this.mediaSecret,
      ...(this.mediaPort && { MEDIA_URL: `http://127.0.0.1:${this.mediaPort}` }),
      KAFKA_BROKERS: kafka,
      MONGO_URL: mongo,
      MONGO_DB: this.namespace,
      KAFKA_NAMESPACE: this.namespace,
      JWT_SECRET: this.jwtSecret,
      COOKIE_SECURE: 'false',
      LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'info',
      DRAIN_MS: '0',
      // Tests stand in for the ingress: they pick client addresses with X-Forwarded-For, so
      // the limits of one test never bite another. Tests of the untrusted case set it empty.
      TRUSTED_PROXIES: '127.0.0.1,::1',
      ...this.opts.env,
    };
  }

  async start(): Promise<this> {
    this.mediaPort ??= await freePort();
    const started: Promise<ServiceProcess>[] = [];
    for (const name of SERVICES) {
      const n = this.opts.replicas?.[name] ?? 1;
      for (let i = 0; i < n; i++) started.push(this.spawn(name, i));
    }
    await Promise.all(started);
    return this;
  }

  /** Starts one process of a service and waits for its health. */
  async spawn(name: ServiceName, index: number, port?: number): Promise<ServiceProcess> {
    const main = join(ROOT, 'dist', 'services', name, 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: build the services first (npx nx run-many -t build)`);
    port ??= name === 'media' && index === 0 && this.mediaPort ? this.mediaPort : await freePort();
    const instanceId = `${name}-${index}-${this.namespace}`;
    const env: Record<string, string> = { ...(process.env as Record<string, string>), ...this.env(), ...this.opts.serviceEnv?.[name], PORT: String(port), INSTANCE_ID: instanceId };
    if (name === 'gateway' && this.opts.web) env['WEB_DIR'] = join(ROOT, 'dist', 'frontend', 'browser');
    const log = createWriteStream(join(this.logDir, `${name}-${index}.log`), { flags: 'a' });
    const child = spawn(process.execPath, ['--enable-source-maps', main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    const proc: ServiceProcess = { name, index, port, child, instanceId };
    child.once('exit', (code, signal) => {
      if (!this.ending.has(child)) this.crashes.push(`${name}-${index} exited with ${code ?? signal} (log: ${join(this.logDir, `${name}-${index}.log`)})`);
    });
    const existing = this.procs.findIndex((p) => p.name === name && p.index === index);
    if (existing >= 0) this.procs[existing] = proc;
    else this.procs.push(proc);
    const health = name === 'gateway' ? `http://127.0.0.1:${port}/api/v1/health` : `http://127.0.0.1:${port}/health`;
    await waitHealthy(health, child);
    return proc;
  }

  proc(name: ServiceName, index = 0): ServiceProcess {
    const p = this.procs.find((x) => x.name === name && x.index === index);
    if (!p) throw new Error(`no ${name} #${index}`);
    return p;
  }

  /** Sends a signal to one process (SIGKILL, SIGSTOP, SIGCONT…) and, for ends, waits for its exit. */
  async signal(name: ServiceName, index: number, signal: NodeJS.Signals): Promise<void> {
    const p = this.proc(name, index);
    if (p.child.exitCode !== null || p.child.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.child.once('exit', () => r()));
    if (signal === 'SIGKILL' || signal === 'SIGTERM' || signal === 'SIGINT') this.ending.add(p.child);
    p.child.kill(signal);
    if (signal === 'SIGKILL' || signal === 'SIGTERM' || signal === 'SIGINT') await exited;
  }

  /** Starts a process again on the same port (after a kill). */
  restart(name: ServiceName, index = 0): Promise<ServiceProcess> {
    return this.spawn(name, index, this.proc(name, index).port);
  }

  /**
   * Which process of a service owns the partition a key goes to, from its consumer group's
   * current assignment (the partition as the producers pick it: kafkajs' default, Java's
   * murmur2). For faults aimed at the process that handles a conversation. Waits for a
   * stable group, at most `timeoutMs`.
   */
  async ownerOf(service: Exclude<ServiceName, 'gateway'>, topic: TopicKey, key: string, timeoutMs = 30_000): Promise<ServiceProcess> {
    const brokers = this.opts.kafkaAdminBrokers ?? this.env()['KAFKA_BROKERS']!;
    const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
    const name = `${this.namespace}.${TOPICS[topic]}`;
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [name] });
      const partition = partitionOfKey(name, meta.topics[0]!.partitions, key);
      const until = Date.now() + timeoutMs;
      for (;;) {
        const { groups } = await admin.describeGroups([`${this.namespace}.${service}`]);
        const group = groups[0];
        if (group?.state === 'Stable') {
          for (const member of group.members) {
            const assigned = AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment[name] ?? [];
            const proc = this.procs.find((p) => p.name === service && `${service}-${p.instanceId}` === member.clientId);
            if (proc && assigned.includes(partition)) return proc;
          }
        }
        if (Date.now() > until) throw new Error(`no stable owner of ${name}[${partition}] in ${service}'s group (state ${group?.state})`);
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** The sum of a Prometheus counter's samples on one process (matching labels, if given), from its /metrics. */
  async counter(name: ServiceName, index: number, metric: string, labels: Record<string, string> = {}): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${this.proc(name, index).port}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
      if (!m || m[1] !== metric) continue;
      const set = m[2] ?? '';
      if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) sum += Number(m[3]);
    }
    return sum;
  }

  /** How many messages this platform's services sent to the dead-letter topic (0 when it does not exist yet). */
  async deadLetters(): Promise<number> {
    const brokers = this.opts.kafkaAdminBrokers ?? this.env()['KAFKA_BROKERS']!;
    const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const topic = `${this.namespace}.${TOPICS.deadLetters}`;
      if (!(await admin.listTopics()).includes(topic)) return 0;
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
    } finally {
      await admin.disconnect();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.procs.map(async (p) => {
        if (p.child.exitCode !== null || p.child.signalCode !== null) return;
        const exited = new Promise<void>((r) => p.child.once('exit', () => r()));
        this.ending.add(p.child);
        p.child.kill('SIGTERM');
        const timer = setTimeout(() => p.child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

export async function startPlatform(opts: PlatformOptions = {}): Promise<Platform> {
  const platform = new Platform(opts);
  try {
    return await platform.start();
  } catch (err) {
    await platform.stop();
    throw err;
  }
}
