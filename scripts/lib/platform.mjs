// Builds the services and the web client, and runs the six services against
// a given Kafka, MongoDB and S3-compatible object store. Used by `npm start` and by `npm test` (browser
// tests get a platform started exactly the same way, on the test infrastructure).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawnManaged } from './proc.mjs';
import { repoRoot, run, say, seconds, sleep, tail, waitUntil } from './util.mjs';

/** The services, their default HTTP ports and readiness paths. The gateway is the public entry. */
export const SERVICES = [
  { name: 'auth', port: 3101, health: '/health' },
  { name: 'users', port: 3102, health: '/health' },
  { name: 'messaging', port: 3103, health: '/health' },
  { name: 'presence', port: 3104, health: '/health' },
  { name: 'media', port: 3105, health: '/health' },
  { name: 'gateway', port: 8080, health: '/api/v1/health' },
];
export const BUILD_PROJECTS = ['gateway', 'auth', 'users', 'messaging', 'presence', 'media', 'frontend'];
export const WEB_DIR = path.join(repoRoot, 'dist', 'frontend', 'browser');

/** Node 24 from the `node` devDependency when present (npm run puts it first on PATH anyway). */
export function nodeBinary() {
  const local = path.join(repoRoot, 'node_modules', '.bin', 'node');
  try {
    return realpathSync(local);
  } catch {
    return process.execPath;
  }
}

/** The environment for tools: node_modules/.bin first, as `npm run` does, and no Nx prompts or daemon. */
export function toolEnv(extra = {}) {
  const bin = path.join(repoRoot, 'node_modules', '.bin');
  return {
    ...process.env,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    NX_DAEMON: 'false',
    NX_TUI: 'false',
    NX_NO_CLOUD: 'true',
    NX_INTERACTIVE: 'false',
    ...extra,
  };
}

/**
 * `nx run-many -t build` for the services and the web client (Nx's cache
 * makes a later run take seconds). Progress lines on stderr, the full output
 * in `logFile`. Resolves to { ok, ms, logFile }.
 */
export async function buildAll({ logFile, projects = BUILD_PROJECTS, tag = 'build' }) {
  mkdirSync(path.dirname(logFile), { recursive: true });
  const started = Date.now();
  say(tag, `building ${projects.join(', ')} with Nx (cached after the first run)…`);
  const result = await run(
    'npx',
    // CI builds from its own sources only: Nx's cache lives outside the checkout and may hold
    // another checkout's output for the same source hash (assets copied from node_modules are
    // not part of that hash).
    ['nx', 'run-many', '-t', 'build', '-p', ...projects, '--outputStyle=static', '--parallel=2', ...(process.env.CI ? ['--skip-nx-cache'] : [])],
    {
      env: toolEnv(),
      onLine: (line) => {
        // eslint-disable-next-line no-control-regex
        const plain = line.replace(/\x1b\[[0-9;]*m/g, '');
        const m = /> nx run (\S+)(.*)$/.exec(plain);
        if (m) say(tag, `  ${m[1]}${m[2].includes('cache') ? ' (cached)' : ''}`);
      },
    },
  );
  writeFileSync(logFile, result.stdout + result.stderr);
  const ms = Date.now() - started;
  if (result.code !== 0) {
    say(tag, `failed after ${seconds(ms)}; see ${path.relative(process.cwd(), logFile)}:`);
    process.stderr.write(tail(logFile, 40) + '\n');
    return { ok: false, ms, logFile };
  }
  say(tag, `done in ${seconds(ms)}`);
  return { ok: true, ms, logFile };
}

/** A 48-character secret kept in `<dataDir>/jwt-secret`, created on first use. */
export function persistentJwtSecret(dataDir) {
  return persistentSecret(dataDir, 'jwt-secret');
}

/** A 48-character secret kept in `<dataDir>/<name>`, created on first use. */
export function persistentSecret(dataDir, name) {
  const file = path.join(dataDir, name);
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch {
    /* first run */
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(36).toString('base64url'); // 48 characters
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export function randomSecret() {
  return randomBytes(36).toString('base64url');
}

/** GET url → status code (0 when nothing answers within 2 s). */
export function httpStatus(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/**
 * Starts the five services from dist/ and waits until every health endpoint
 * answers 200.
 *
 * - kafkaBrokers, mongoUrl: where they connect;
 * - jwtSecret: shared by auth (signs) and gateway (verifies);
 * - s3: { endpoint, accessKeyId, secretAccessKey, bucket? } of the object store media keeps files in;
 * - mediaSecret: signs attachment URLs (gateway, messaging, media);
 * - ports: { gateway: 8080, auth: 3101, … } overrides of the default HTTP ports;
 * - env: extra environment for every service (KAFKA_NAMESPACE, MONGO_DB, RATE_LIMITS…);
 * - logDir: each service appends to `<logDir>/<service>.log`.
 *
 * Resolves to { url, services, stop() }; rejects (after stopping what it
 * started) when a service exits or is not healthy in time.
 */
export async function startServices({
  kafkaBrokers,
  mongoUrl,
  jwtSecret,
  s3,
  mediaSecret = randomSecret(),
  ports = {},
  env = {},
  logDir,
  readyTimeoutMs = 180000,
  tag = 'platform',
  // More gateways (gateway-2, gateway-3 … on ports['gateway-2'] …): what a Deployment with
  // replicas runs, for the bench's scenario with clients spread over several gateways.
  gateways = 1,
}) {
  const node = nodeBinary();
  const missing = SERVICES.map((s) => path.join(repoRoot, 'dist', 'services', s.name, 'main.js')).filter((f) => !existsSync(f));
  if (missing.length) throw new Error(`not built: ${missing.map((f) => path.relative(repoRoot, f)).join(', ')}`);

  if (!s3?.endpoint) throw new Error('no object store for the media service: pass s3 (the launcher starts SeaweedFS) or set S3_ENDPOINT');
  const base = { ...process.env };
  delete base.PORT; // each service gets its own below
  const started = Date.now();
  const gateway = SERVICES.find((s) => s.name === 'gateway');
  const extra = Array.from({ length: Math.max(0, gateways - 1) }, (_, i) => ({ ...gateway, name: `gateway-${i + 2}`, dist: 'gateway', port: gateway.port + i + 1 }));
  const services = [...SERVICES, ...extra].map((s) => {
    const port = ports[s.name] ?? s.port;
    const dist = s.dist ?? s.name;
    const serviceEnv = {
      ...base,
      NODE_ENV: base.NODE_ENV ?? 'development',
      ...env,
      KAFKA_BROKERS: kafkaBrokers,
      MONGO_URL: mongoUrl,
      JWT_SECRET: jwtSecret,
      MEDIA_URL_SECRET: mediaSecret,
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      ...(s3.bucket && { S3_BUCKET: s3.bucket }),
      PORT: String(port),
      ...(dist === 'gateway' ? { WEB_DIR, MEDIA_URL: `http://127.0.0.1:${ports.media ?? 3105}` } : {}),
    };
    const logFile = path.join(logDir, `${s.name}.log`);
    const spawnService = () =>
      spawnManaged({
        name: s.name,
        cmd: node,
        args: ['--enable-source-maps', path.join(repoRoot, 'dist', 'services', dist, 'main.js')],
        env: serviceEnv,
        cwd: repoRoot,
        logFile,
      });
    return { ...s, port, logFile, proc: spawnService(), spawn: spawnService, healthUrl: `http://127.0.0.1:${port}${s.health}` };
  });

  let stopping = false;
  const stop = async () => {
    stopping = true;
    await Promise.all(services.map((s) => s.proc.stop({ graceMs: 10000 })));
  };

  say(tag, `starting ${services.map((s) => `${s.name}:${s.port}`).join(', ')}…`);
  const results = await Promise.allSettled(
    services.map(async (s) => {
      await waitUntil(async () => (await httpStatus(s.healthUrl)) === 200, {
        timeoutMs: readyTimeoutMs,
        intervalMs: 500,
        what: `${s.name} (${s.healthUrl})`,
        alive: () => s.proc.alive(),
      });
      say(tag, `  ${s.name} healthy (${seconds(Date.now() - started)})`);
    }),
  );
  const failed = results
    .map((r, i) => ({ r, s: services[i] }))
    .filter(({ r }) => r.status === 'rejected');
  if (failed.length) {
    const report = failed
      .map(({ r, s }) => {
        const exit = s.proc.exitInfo();
        const how = exit ? ` (exit code ${exit.code ?? exit.signal})` : '';
        return `${r.reason.message}${how}\n--- last lines of ${path.relative(process.cwd(), s.logFile)} ---\n${tail(s.logFile, 20)}`;
      })
      .join('\n\n');
    await stop();
    throw new Error(`${failed.length} of ${services.length} services did not become healthy:\n\n${report}`);
  }
  const first = services.find((s) => s.name === 'gateway');
  return { url: `http://localhost:${first.port}`, services, stop, stopping: () => stopping };
}

/**
 * Keeps every service of a started platform running, as Kubernetes would: one that
 * exits (a crash, an OOM kill, a SIGKILL) is started again after a back-off that
 * doubles from `firstDelayMs` up to `maxDelayMs`, and goes back to the first delay
 * once a run has lasted `stableMs`. Each exit and restart is logged through `log`.
 * Nothing is restarted once the platform's stop() has begun.
 */
export function superviseServices(platform, { log = (name, line) => say(name, line), firstDelayMs = 1000, maxDelayMs = 30000, stableMs = 60000 } = {}) {
  for (const s of platform.services) {
    let delay = firstDelayMs;
    const watch = (proc, since) => {
      proc.exited.then(async (info) => {
        if (platform.stopping()) return;
        const ranMs = Date.now() - since;
        if (ranMs >= stableMs) delay = firstDelayMs;
        log(s.name, `exited (${info.code ?? info.signal}) after ${seconds(ranMs)}; restarting in ${seconds(delay)} (log: ${path.relative(process.cwd(), s.logFile)})`);
        await sleep(delay);
        delay = Math.min(delay * 2, maxDelayMs);
        if (platform.stopping()) return;
        s.proc = s.spawn();
        s.restarts = (s.restarts ?? 0) + 1;
        const started = Date.now();
        watch(s.proc, started);
        waitUntil(async () => (await httpStatus(s.healthUrl)) === 200, { timeoutMs: 180000, intervalMs: 250, what: s.name, alive: () => s.proc.alive() }).then(
          () => log(s.name, `healthy again ${seconds(Date.now() - started)} after its restart (restart ${s.restarts})`),
          () => undefined,
        );
      });
    };
    watch(s.proc, Date.now());
  }
}
