#!/usr/bin/env node
// `npm test`: every test in the repository, against a real Kafka broker and
// FerretDB that this harness starts for itself (profile "test": its own ports,
// a data folder under .data/test-<pid> that is deleted afterwards), unless
// KAFKA_BROKERS and MONGO_URL are both set.
//
// Suites, in order: unit (Jest), frontend (Vitest through Nx), integration
// (Jest, one file at a time), faults (tests/faults: kills, pauses, outages under load), chart (`npm run test:chart`, when it exists),
// browser (Jest + Playwright, when frontend/e2e/jest.config.cjs exists; it gets
// a platform started like `npm start`'s on a free port, as CHAT_URL).
// Each suite is an Nx target (tools/nx/test-layers.cjs) whose JSON reports are counted;
// a project without a report, or a test file that ran no test, is a failure.
// The last line is exactly `N passed, N failed, N skipped`; the exit code is 1 when anything failed.
//
//   npm test
//   npm run test:unit            → node scripts/test.mjs --only unit
//   npm run test:integration     → node scripts/test.mjs --only integration
//   npm run test:faults          → node scripts/test.mjs --only faults
//   node scripts/test.mjs --only integration,browser --no-build
import { spawnSync } from 'node:child_process';
import { existsSync, globSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { provisionFerretDB, provisionKafka, provisionSeaweedFS, startInfra } from './infra/index.mjs';
import { createProjectGraphAsync } from '@nx/devkit';
import layers from '../tools/nx/test-layers.cjs';
import { BUILD_PROJECTS, buildAll, randomSecret, startServices, toolEnv } from './lib/platform.mjs';
import { onShutdownSignal, pidAlive, spawnManaged } from './lib/proc.mjs';
import { freePort, fromRoot, preferredPort, quietKnownWarnings, repoRoot, say, seconds, sleep } from './lib/util.mjs';

const { LAYER_FILES, reportFile } = layers;
const ALL_SUITES = ['unit', 'frontend', 'integration', 'faults', 'chart', 'browser', 'cluster'];
const SUITE_TIMEOUT_MS = Number(process.env.CHAT_TEST_SUITE_TIMEOUT_MIN || 30) * 60_000;

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
  },
});
// The cluster suite (a real Kubernetes, tests/cluster) is in the default run only when asked
// for (CHAT_TEST_CLUSTER=1) or when its binaries are already built (scripts/cluster/build.sh
// --check): cold, its Go builds take longer than the rest of the tests together.
const clusterWanted = process.env.CHAT_TEST_CLUSTER === '1' || (process.env.CHAT_TEST_CLUSTER !== '0' && clusterCacheWarm());
const DEFAULT_SUITES = clusterWanted ? ALL_SUITES : ALL_SUITES.filter((s) => s !== 'cluster');
const suites = values.only ? values.only.split(',').map((s) => s.trim()) : DEFAULT_SUITES;
for (const s of suites) if (!ALL_SUITES.includes(s)) throw new Error(`unknown suite "${s}" (known: ${ALL_SUITES.join(', ')})`);

function clusterCacheWarm() {
  return spawnSync('bash', [path.join(repoRoot, 'scripts', 'cluster', 'build.sh'), '--check'], { stdio: 'ignore' }).status === 0;
}

const runDir = fromRoot(path.join('.data', `test-${process.pid}`));
const logDir = chooseLogDir();
/** { name, passed, failed, skipped, ms, note } per suite (and per failed step such as the build). */
const results = [];
let infra = null;
let platform = null;
let current = null; // the suite process running now
let currentGraceMs = 5000; // how long it may take to stop (the cluster suite stops a cluster)

function chooseLogDir() {
  // One shared .logs/test, cleared per run, unless another run is using it right now.
  const shared = fromRoot(path.join('.logs', 'test'));
  const lock = path.join(shared, '.running');
  try {
    const owner = Number(readFileSync(lock, 'utf8'));
    if (owner !== process.pid && pidAlive(owner)) return fromRoot(path.join('.logs', `test-${process.pid}`));
  } catch {
    /* no run in progress */
  }
  rmSync(shared, { recursive: true, force: true });
  mkdirSync(shared, { recursive: true });
  writeFileSync(lock, String(process.pid));
  return shared;
}

async function cleanup() {
  if (current?.alive()) await current.stop({ graceMs: currentGraceMs });
  if (platform) await platform.stop().catch(() => {});
  platform = null;
  if (infra) await infra.stop().catch(() => {});
  infra = null;
  rmSync(runDir, { recursive: true, force: true });
  rmSync(path.join(logDir, '.running'), { force: true });
}

/** Counts of one Jest-shaped JSON report (Jest --json, Vitest's json reporter, scripts/lib/node-test-report.mjs). */
export function reportCounts(report) {
  let failed = 0;
  let passed = 0;
  let skipped = 0;
  const ran = new Map(); // file → tests that ran (passed or failed)
  for (const r of report.testResults ?? []) {
    const tests = r.assertionResults ?? [];
    const count = (...s) => tests.filter((a) => s.includes(a.status)).length;
    passed += count('passed');
    failed += count('failed');
    skipped += count('pending', 'skipped', 'todo', 'disabled');
    // A file that failed without a failing test did not even run its tests (a syntax error, a throw in a hook).
    if (r.status === 'failed' && count('failed') === 0) failed += 1;
    ran.set(path.relative(repoRoot, path.resolve(repoRoot, r.name)), count('passed', 'failed'));
  }
  return { passed, failed, skipped, ran };
}

/**
 * One test layer through Nx: `nx run-many -t <target>` over the projects that have it,
 * then each project's JSON report (dist/test-reports/<target>/<project>.json) is read.
 * A project without a report, a report that cannot be read, and an expected test file
 * that did not run at least one test each count as a failure: the run cannot pass on nothing.
 */
async function runLayer(name, target, { projects, env = {}, args = [], timeoutMs = SUITE_TIMEOUT_MS, graceMs = 5000 }) {
  say('test', `── ${name} ──`);
  const started = Date.now();
  for (const p of projects) rmSync(path.join(repoRoot, reportFile(target, p.name)), { force: true });
  // Never from Nx's cache: a cached run restores no report for targets whose report is not an
  // output (the frontend's), and a report cached by another checkout names its files elsewhere.
  const nxArgs = ['nx', 'run-many', '-t', target, '-p', ...projects.map((p) => p.name), '--parallel=1', '--outputStyle=stream', '--nxBail=false', '--skip-nx-cache', ...args];
  current = spawnManaged({ name, cmd: 'npx', args: nxArgs, env: toolEnv(env), cwd: repoRoot });
  currentGraceMs = graceMs;
  const proc = current;
  const timer = sleep(timeoutMs).then(() => 'timeout');
  const notes = [];
  if ((await Promise.race([proc.exited, timer])) === 'timeout') {
    notes.push(`timed out after ${seconds(timeoutMs)}`);
    await proc.stop({ graceMs });
  }
  const { code, signal } = await proc.exited;
  current = null;
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const p of projects) {
    const file = path.join(repoRoot, reportFile(target, p.name));
    let counts;
    try {
      counts = reportCounts(JSON.parse(readFileSync(file, 'utf8')));
    } catch (err) {
      total.failed += 1;
      notes.push(`${p.name}: no readable report (${err.code === 'ENOENT' ? 'it did not run' : err.message})`);
      continue;
    }
    for (const pattern of LAYER_FILES[target](p.root)) {
      for (const rel of globSync(pattern, { cwd: repoRoot })) {
        if ((counts.ran.get(path.normalize(rel)) ?? 0) > 0) continue;
        counts.failed += 1;
        notes.push(`${rel} ran no test`);
      }
    }
    total.passed += counts.passed;
    total.failed += counts.failed;
    total.skipped += counts.skipped;
  }
  if (code !== 0 && total.failed === 0) {
    // Non-zero exit with no failing test: a crash, a config error, an open handle that was killed…
    total.failed = 1;
    notes.push(`exited with ${code ?? signal}`);
  }
  results.push({ name, ...total, ms: Date.now() - started, note: notes.join('; ') });
  return total;
}

/** The last line: `N passed, N failed, N skipped`. */
function totals() {
  const sum = (k) => results.reduce((n, r) => n + (r[k] ?? 0), 0);
  return `${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped`;
}

/**
 * Jest runs the test files through a transpiler that drops their types, so a test that calls an
 * API wrongly, or a record of notes that misses a new event, would still run. tsconfig.tests.json
 * type-checks every test file (unit specs, integration and fault suites); an error fails the run.
 */
function typecheckTests() {
  const started = Date.now();
  const log = path.join(logDir, 'typecheck-tests.log');
  const r = spawnSync('tsc', ['-p', 'tsconfig.tests.json'], { cwd: repoRoot, env: toolEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  writeFileSync(log, `${r.stdout ?? ''}${r.stderr ?? ''}`);
  if (r.status === 0) say('test', `test files type-checked in ${seconds(Date.now() - started)}`);
  else fail('typecheck (tests)', `tsc -p tsconfig.tests.json found errors; see ${path.relative(repoRoot, log)}`);
}

function fail(name, note) {
  say('test', `${name}: ${note}`);
  results.push({ name, passed: 0, failed: 1, ms: 0, note });
}

async function main() {
  quietKnownWarnings();
  // Test brokers (ours, and those fault tests start for themselves) need a quick
  // start more than peak throughput: C1 only cuts the JVM's start-up CPU by about a third.
  process.env.CHAT_KAFKA_JVM_OPTS ??= '-XX:TieredStopAtLevel=1';
  const t0 = Date.now();
  onShutdownSignal(cleanup, { exitCode: 130 });
  mkdirSync(runDir, { recursive: true });

  const needInfra = suites.includes('integration') || suites.includes('faults') || suites.includes('browser');
  const needBuild = !values['no-build'] && (needInfra || suites.includes('frontend'));
  // The web client is built for the browser suite, and for the integration suite too: the gateway
  // serves it, and operations.int.ts checks that any other path is its page.
  const projects = suites.includes('browser') || suites.includes('integration') ? BUILD_PROJECTS : BUILD_PROJECTS.filter((p) => p !== 'frontend');

  // (a) infrastructure and (b) build, side by side.
  const infraTask = needInfra ? startTestInfra() : null;
  const buildTask = needBuild ? buildAll({ logFile: path.join(logDir, 'build.log'), projects, tag: 'build' }) : null;
  const [infraResult, buildResult] = await Promise.allSettled([infraTask, buildTask]);
  if (infraResult.status === 'fulfilled') infra = infraResult.value;
  else fail('infrastructure', infraResult.reason?.message ?? String(infraResult.reason));
  if (buildTask && (buildResult.status === 'rejected' || !buildResult.value.ok)) {
    fail('build', `nx build failed; see ${path.relative(repoRoot, path.join(logDir, 'build.log'))}`);
  }
  const infraEnv = infra ? infraVariables(infra) : {};

  // (c) the suites, in order; each is one Nx target (tools/nx/test-layers.cjs) over the projects that have it.
  const graph = await createProjectGraphAsync({ exitOnError: false });
  const withTarget = (target, keep = () => true) =>
    Object.values(graph.nodes)
      .filter((n) => n.data.targets?.[target] && keep(n.name))
      .map((n) => ({ name: n.name, root: n.data.root }))
      .sort((a, b) => a.name.localeCompare(b.name));
  for (const suite of suites) {
    if (suite === 'unit') {
      typecheckTests();
      await runLayer('unit', 'test', { projects: withTarget('test', (n) => n !== 'frontend'), env: infraEnv });
    } else if (suite === 'frontend') {
      // The Angular app's own Vitest target, asked for a JSON report beside its console output.
      const out = reportFile('test', 'frontend');
      await runLayer('frontend', 'test', { projects: withTarget('test', (n) => n === 'frontend'), env: infraEnv, args: ['--reporters=json', '--reporters=default', `--outputFile=${out}`] });
    } else if (suite === 'cluster') {
      // Builds (once) and starts its own cluster, images and installs; needs root (tests/cluster).
      // Its own limit (default 75 minutes): images, two installs and three faults under load.
      const timeoutMs = Number(process.env.CHAT_TEST_CLUSTER_TIMEOUT_MIN || 75) * 60_000;
      // A stopped suite stops its cluster first (tests/cluster, on SIGTERM): give it time.
      await runLayer('cluster', 'cluster', { projects: withTarget('cluster'), timeoutMs, graceMs: 180_000 });
    } else if (suite === 'integration' || suite === 'faults' || suite === 'chart') {
      // faults: tests/faults and tests/abuse, processes killed, paused, the broker and the database taken
      // away under load; hostile input, forged tokens, floods. integration: every service's test/*.int.ts.
      if (suite !== 'chart' && !infra) {
        fail(suite, 'skipped: no Kafka/MongoDB');
        continue;
      }
      await runLayer(suite, suite, { projects: withTarget(suite), env: infraEnv });
    } else if (suite === 'browser') {
      if (!infra) {
        fail('browser', 'skipped: no Kafka/MongoDB');
        continue;
      }
      await runBrowserSuite(withTarget('e2e'));
    }
  }

  if (!values.only && !clusterWanted) {
    results.push({ name: 'cluster', passed: 0, failed: 0, skipped: 1, ms: 0, note: process.env.CHAT_TEST_CLUSTER === '0' ? 'skipped: CHAT_TEST_CLUSTER=0' : 'skipped: its cache is cold (bash scripts/cluster/build.sh, or CHAT_TEST_CLUSTER=1)' });
  }
  await cleanup();
  process.stdout.write('\n');
  for (const r of results) {
    say('test', `${r.name.padEnd(14)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(4)} failed ${String(r.skipped ?? 0).padStart(3)} skipped  ${seconds(r.ms).padStart(8)}${r.note ? `  (${r.note})` : ''}`);
  }
  say('test', `total time ${seconds(Date.now() - t0)}; logs in ${path.relative(process.cwd(), logDir)}/`);
  process.stdout.write(`${totals()}\n`);
  process.exit(results.some((r) => r.failed > 0) ? 1 : 0);
}

/**
 * The test profile's own Kafka and FerretDB. Provisioning comes first (it may
 * take minutes on a first run), then ports are chosen: the usual ones when
 * free, otherwise free ones, and again if another run took them in between.
 */
async function startTestInfra() {
  const givenKafka = process.env.KAFKA_BROKERS || undefined;
  const givenMongo = process.env.MONGO_URL || undefined;
  const givenS3 = process.env.S3_ENDPOINT ? { endpoint: process.env.S3_ENDPOINT, accessKeyId: process.env.S3_ACCESS_KEY_ID ?? '', secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? '' } : undefined;
  const dirs = { cacheDir: fromRoot(process.env.CHAT_CACHE_DIR || '.cache'), logDir };
  await Promise.all([givenKafka ? null : provisionKafka(dirs), givenMongo ? null : provisionFerretDB(dirs), givenS3 ? null : provisionSeaweedFS(dirs)]);
  for (let attempt = 1; ; attempt++) {
    const port = async (envName, usual) => (attempt === 1 ? preferredPort(Number(process.env[envName] || usual)) : freePort());
    try {
      return await startInfra({
        profile: 'test',
        kafkaPort: givenKafka ? undefined : await port('CHAT_TEST_KAFKA_PORT', 29092),
        controllerPort: givenKafka ? undefined : await port('CHAT_TEST_KAFKA_CONTROLLER_PORT', 29093),
        mongoPort: givenMongo ? undefined : await port('CHAT_TEST_MONGO_PORT', 27027),
        // SeaweedFS takes this port and the next 7; a free one is a single port, so keep to the usual block.
        s3Port: givenS3 ? undefined : attempt === 1 ? Number(process.env.CHAT_TEST_S3_PORT || 28333) : 28333 + attempt * 10,
        ...dirs,
        dataDir: runDir,
        kafkaBrokers: givenKafka,
        mongoUrl: givenMongo,
        s3: givenS3,
      });
    } catch (err) {
      if (attempt >= 3 || !/already in use/.test(err.message)) throw err;
      say('test', 'a port was taken meanwhile (another run?); trying free ones');
    }
  }
}

/** What the suites learn of the infrastructure: where Kafka, MongoDB and the object store are (the harness passes them on to the services). */
function infraVariables(i) {
  return { KAFKA_BROKERS: i.kafkaBrokers, MONGO_URL: i.mongoUrl, S3_ENDPOINT: i.s3.endpoint, S3_ACCESS_KEY_ID: i.s3.accessKeyId, S3_SECRET_ACCESS_KEY: i.s3.secretAccessKey };
}

/** Browser tests need a running platform: started like `npm start`'s, isolated, on free ports. */
async function runBrowserSuite(projects) {
  const id = `e2e-${process.pid}-${Date.now().toString(36)}`;
  const ports = {};
  for (const name of ['gateway', 'auth', 'users', 'messaging', 'presence', 'media']) ports[name] = await freePort();
  try {
    platform = await startServices({
      kafkaBrokers: infra.kafkaBrokers,
      mongoUrl: infra.mongoUrl,
      jwtSecret: randomSecret(),
      mediaSecret: randomSecret(),
      s3: { ...infra.s3, bucket: `chat-${id}` },
      ports,
      env: { KAFKA_NAMESPACE: id, MONGO_DB: id.replace(/-/g, '_'), RATE_LIMITS: 'off' },
      logDir: path.join(logDir, 'e2e'),
      tag: 'browser',
    });
  } catch (err) {
    fail('browser', `platform did not start: ${err.message}`);
    return;
  }
  await runLayer('browser', 'e2e', { projects, env: { ...infraVariables(infra), CHAT_URL: platform.url } });
  await platform.stop();
  platform = null;
}

main().catch(async (err) => {
  process.stderr.write(`\n${err?.stack ?? err}\n`);
  await cleanup().catch(() => {});
  fail('runner', err?.message ?? String(err));
  process.stdout.write(`${totals()}\n`);
  process.exit(1);
});
