// The two systems under test: the floor (bench/floor/server.mjs) and the
// platform (CHAT_URL, or started here the way `npm start` starts it).
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { discoverPlatform, infraProcs, pidListening } from './procs.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HOOK = join(ROOT, 'bench', 'lib', 'cpu-profile-hook.cjs');
export const SERVICES = ['auth', 'users', 'messaging', 'presence', 'media', 'gateway'];

export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

/**
 * Raises this process's open-file limit (children inherit it): 50,000
 * sockets need more descriptors than a shell's default. Root may raise the
 * hard limit too; anyone else gets the hard limit.
 */
export function raiseFileLimit(wanted) {
  for (const limit of [`${wanted}:${wanted}`, `${wanted}`]) {
    const r = spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${limit}`], { stdio: 'ignore' });
    if (r.status === 0) break;
  }
  const r = spawnSync('prlimit', ['--pid', String(process.pid), '--nofile', '--noheadings', '--output=SOFT'], { encoding: 'utf8' });
  return Number(r.stdout?.trim()) || null;
}

async function waitHealthy(url, child, timeoutMs) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child && child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
    } catch {
      /* not yet */
    }
    await sleep(200);
  }
  throw new Error(`${url} did not become healthy in ${timeoutMs} ms`);
}

function stopChild(child, graceMs = 8000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      res();
    });
    child.kill('SIGTERM');
  });
}

/**
 * The preload every process under test gets (lib/cpu-profile-hook.cjs): inert until the bench
 * signals it (SIGURG: CPU profile on/off, SIGWINCH: full GC before a heap reading).
 */
function hookEnv(profile, profileDir) {
  const prior = process.env.NODE_OPTIONS ? `${process.env.NODE_OPTIONS} ` : '';
  return { NODE_OPTIONS: `${prior}--require ${HOOK}`, ...(profile ? { BENCH_PROFILE_DIR: profileDir } : {}) };
}

/** Starts the floor on a free loopback port. */
export async function startFloor({ logDir, profile, profileDir }) {
  const port = await freePort();
  mkdirSync(logDir, { recursive: true });
  const child = spawn(process.execPath, [join(ROOT, 'bench', 'floor', 'server.mjs'), '--port', String(port)], {
    env: { ...process.env, ...hookEnv(profile === 'floor' || profile === 'all', profileDir), BENCH_PROFILE_NAME: 'floor' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(join(logDir, 'floor.log'));
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(`${url}/api/v1/health`, child, 15000);
  return {
    name: 'floor',
    url,
    gatewayPid: child.pid,
    hooked: true,
    procs: [{ name: 'floor', pid: child.pid, own: true }],
    profiled: profile === 'floor' || profile === 'all' ? [{ name: 'floor', pid: child.pid }] : [],
    stop: () => stopChild(child, 3000),
  };
}

function ensureBuilt({ build, say }) {
  const missing = SERVICES.filter((s) => !existsSync(join(ROOT, 'dist', 'services', s, 'main.js')));
  if (!build && missing.length === 0) return;
  say(`building ${build ? 'the services' : missing.join(', ')} (nx build)`);
  const r = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '-p', ...SERVICES], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building the services failed');
}

/**
 * The platform. With CHAT_URL (loopback only), whatever runs there, its
 * processes found in /proc. Otherwise the way `npm start` runs it: Kafka and
 * FerretDB from scripts/infra (which uses KAFKA_BROKERS / MONGO_URL when they
 * are set), then each built service as a process on a free port, in a fresh
 * Kafka namespace and database, rate limits off.
 */
export async function startPlatform({ logDir, profile, profileDir, build = false, freshInfra = false, direct = false, gateways = 1, say = () => undefined }) {
  if (!Number.isInteger(gateways) || gateways < 1 || gateways > 8) throw new Error(`--gateways: 1 to 8, not ${gateways}`);
  if (gateways > 1 && (process.env.CHAT_URL || direct)) throw new Error('--gateways needs the platform started by the bench through scripts/lib/platform.mjs');
  if (process.env.CHAT_URL) {
    const url = new URL(process.env.CHAT_URL);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error('CHAT_URL must be a loopback address: the bench loads 127.0.0.1 only');
    const base = `http://127.0.0.1:${url.port || 80}`;
    await waitHealthy(`${base}/api/v1/health`, null, 30000);
    const procs = discoverPlatform(Number(url.port || 80));
    return { name: 'platform', url: base, external: true, gatewayPid: pidListening(Number(url.port || 80)), procs, profiled: [], metricsUrls: { gateway: `${base}/metrics` }, stop: async () => undefined };
  }

  ensureBuilt({ build, say });
  let infra = null;
  const infraModule = join(ROOT, 'scripts', 'infra', 'index.mjs');
  if (existsSync(infraModule)) {
    const { startInfra } = await import(pathToFileURL(infraModule).href);
    if (typeof startInfra === 'function') {
      // Its own Kafka and FerretDB (profile "bench", ports 29092/29093/28017 unless CHAT_* says
      // otherwise) so that their CPU is this run's alone; KAFKA_BROKERS / MONGO_URL still win.
      const options = { profile: process.env.CHAT_PROFILE ?? 'bench' };
      if (!process.env.CHAT_KAFKA_PORT) options.kafkaPort = 29092;
      if (!process.env.CHAT_KAFKA_CONTROLLER_PORT) options.controllerPort = 29093;
      if (!process.env.CHAT_MONGO_PORT) options.mongoPort = 28017;
      if (freshInfra && !process.env.CHAT_DATA_DIR) rmSync(join(ROOT, '.data', options.profile), { recursive: true, force: true });
      say(`starting ${process.env.KAFKA_BROKERS ? '' : 'Kafka '}${process.env.MONGO_URL ? '' : 'FerretDB '}through scripts/infra (profile ${options.profile})`);
      infra = await startInfra(options);
    }
  }
  const kafkaBrokers = infra?.kafkaBrokers ?? process.env.KAFKA_BROKERS;
  const mongoUrl = infra?.mongoUrl ?? process.env.MONGO_URL;
  if (!kafkaBrokers || !mongoUrl) throw new Error('no scripts/infra to start Kafka and FerretDB: set KAFKA_BROKERS and MONGO_URL');

  const namespace = `bench${randomBytes(3).toString('hex')}`;
  const jwtSecret = randomBytes(32).toString('hex');
  mkdirSync(logDir, { recursive: true });
  const env = {
    MONGO_DB: namespace,
    KAFKA_NAMESPACE: namespace,
    COOKIE_SECURE: 'false',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    RATE_LIMITS: 'off',
    DRAIN_MS: '0',
    ...hookEnv(profile && profile !== 'floor', profileDir),
  };
  const ports = {};
  const gatewayNames = ['gateway', ...Array.from({ length: gateways - 1 }, (_, i) => `gateway-${i + 2}`)];
  const processes = [...SERVICES, ...gatewayNames.slice(1)];
  for (const name of processes) ports[name] = await freePort();
  let services;
  const stopInfra = async () => {
    await infra?.stop?.();
  };
  try {
    const lib = join(ROOT, 'scripts', 'lib', 'platform.mjs');
    if (existsSync(lib) && !direct) {
      // Exactly as `npm start` starts them (scripts/lib/platform.mjs), on free ports.
      const { startServices } = await import(pathToFileURL(lib).href);
      const s3 = infra?.s3 ?? (process.env.S3_ENDPOINT ? { endpoint: process.env.S3_ENDPOINT, accessKeyId: process.env.S3_ACCESS_KEY_ID ?? '', secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? '' } : undefined);
      const platform = await startServices({ kafkaBrokers, mongoUrl, jwtSecret, s3: s3 && { ...s3, bucket: `chat-${namespace}`.toLowerCase() }, ports, env: { ...env, BENCH_PROFILE_NAME: 'service' }, logDir, tag: 'bench', gateways });
      services = {
        procs: platform.services.map((s) => ({ name: s.name, pid: s.proc.pid, own: true })),
        stop: platform.stop,
      };
    } else {
      services = await spawnServices({ kafkaBrokers, mongoUrl, jwtSecret, ports, env, logDir });
    }
  } catch (err) {
    await stopInfra();
    throw err;
  }
  const procs = [...services.procs];
  const gatewayPid = procs.find((p) => p.name.startsWith('gateway'))?.pid;
  const profiled = profile && profile !== 'floor' ? procs.filter((p) => profile === 'all' || p.name.replace(/-\d+$/, '') === profile) : [];
  // Kafka and FerretDB: ours when scripts/infra started them, shared with other users of the machine otherwise.
  procs.push(...infraProcs(kafkaBrokers, mongoUrl, { own: !!(infra?.kafka && infra?.ferretdb) }));
  return {
    name: 'platform',
    url: `http://127.0.0.1:${ports.gateway}`,
    // Sockets go to these in turn (user i to gateway i mod n): a direct pair spans two gateways.
    urls: gatewayNames.map((g) => `http://127.0.0.1:${ports[g]}`),
    namespace,
    kafkaBrokers,
    mongoUrl,
    sharedInfra: !(infra?.kafka || infra?.ferretdb),
    gatewayPid,
    hooked: true,
    procs,
    profiled,
    logDir,
    // Each service's Prometheus page, for where a message's time goes (lib/breakdown.mjs).
    metricsUrls: Object.fromEntries(processes.map((name) => [name, `http://127.0.0.1:${ports[name]}/metrics`])),
    stop: async () => {
      await services.stop();
      await dropNamespace({ kafkaBrokers, mongoUrl, namespace });
      await stopInfra();
    },
  };
}

/**
 * Deletes the run's topics and database, so the bench's broker does not pile
 * up every past run's partitions (they slow its start and cost it CPU at idle).
 * Best effort, bounded: a failure here never fails the run.
 */
async function dropNamespace({ kafkaBrokers, mongoUrl, namespace }) {
  const { Kafka, logLevel } = await import('kafkajs');
  const { default: mongoose } = await import('mongoose');
  const admin = new Kafka({ brokers: kafkaBrokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
  const db = mongoose.createConnection(mongoUrl, { dbName: namespace, serverSelectionTimeoutMS: 3000 });
  const bounded = (p) => Promise.race([p, new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), 15000).unref())]);
  await Promise.allSettled([
    bounded(
      (async () => {
        await admin.connect();
        const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${namespace}.`));
        if (topics.length) await admin.deleteTopics({ topics, timeout: 10000 });
      })(),
    ).finally(() => admin.disconnect().catch(() => undefined)),
    bounded(db.asPromise().then((c) => c.dropDatabase())).finally(() => db.close().catch(() => undefined)),
  ]);
}

/** The services as plain child processes, without the web client: when scripts/lib/platform.mjs is absent, or with --direct. */
async function spawnServices({ kafkaBrokers, mongoUrl, jwtSecret, ports, env, logDir }) {
  const children = [];
  const procs = [];
  const stop = () => Promise.all(children.map((c) => stopChild(c)));
  const spawnService = async (name) => {
    const child = spawn(process.execPath, ['--enable-source-maps', join(ROOT, 'dist', 'services', name, 'main.js')], {
      env: { ...process.env, ...env, KAFKA_BROKERS: kafkaBrokers, MONGO_URL: mongoUrl, JWT_SECRET: jwtSecret, PORT: String(ports[name]), BENCH_PROFILE_NAME: name },
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = createWriteStream(join(logDir, `${name}.log`));
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    children.push(child);
    procs.push({ name, pid: child.pid, own: true });
    const health = name === 'gateway' ? `/api/v1/health` : `/health`;
    await waitHealthy(`http://127.0.0.1:${ports[name]}${health}`, child, 240000);
  };
  try {
    await Promise.all(SERVICES.map(spawnService));
    return { procs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
