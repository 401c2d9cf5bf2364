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
// The last line is exactly `N passed, N failed`; the exit code is 1 when anything failed.
//
//   npm test
//   npm run test:unit            → node scripts/test.mjs --only unit
//   npm run test:integration     → node scripts/test.mjs --only integration
//   npm run test:faults          → node scripts/test.mjs --only faults
//   node scripts/test.mjs --only integration,browser --no-build
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { provisionFerretDB, provisionKafka, startInfra } from './infra/index.mjs';
import { BUILD_PROJECTS, buildAll, randomSecret, startServices, toolEnv } from './lib/platform.mjs';
import { onShutdownSignal, pidAlive, spawnManaged } from './lib/proc.mjs';
import { freePort, fromRoot, preferredPort, quietKnownWarnings, repoRoot, say, seconds, sleep } from './lib/util.mjs';

const ALL_SUITES = ['unit', 'frontend', 'integration', 'faults', 'chart', 'browser'];
const SUITE_TIMEOUT_MS = Number(process.env.CHAT_TEST_SUITE_TIMEOUT_MIN || 30) * 60_000;
const E2E_CONFIG = 'frontend/e2e/jest.config.cjs';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
  },
});
const DEFAULT_SUITES = ALL_SUITES;
const suites = values.only ? values.only.split(',').map((s) => s.trim()) : DEFAULT_SUITES;
for (const s of suites) if (!ALL_SUITES.includes(s)) throw new Error(`unknown suite "${s}" (known: ${ALL_SUITES.join(', ')})`);

const runDir = fromRoot(path.join('.data', `test-${process.pid}`));
const logDir = chooseLogDir();
/** { name, passed, failed, ms, note } per suite (and per failed step such as the build). */
const results = [];
let infra = null;
let platform = null;
let current = null; // the suite process running now

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
  if (current?.alive()) await current.stop({ graceMs: 5000 });
  if (platform) await platform.stop().catch(() => {});
  platform = null;
  if (infra) await infra.stop().catch(() => {});
  infra = null;
  rmSync(runDir, { recursive: true, force: true });
  rmSync(path.join(logDir, '.running'), { force: true });
}

/** Counts from a Jest --json report; a suite that crashed counts as one failure at least. */
function jestCounts(file) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  let failed = report.numFailedTests;
  for (const r of report.testResults ?? []) {
    const failing = (r.assertionResults ?? []).filter((a) => a.status === 'failed').length;
    if (r.status === 'failed' && failing === 0) failed += 1; // did not even run its tests
  }
  return { passed: report.numPassedTests, failed };
}

/** Counts from the summary a runner prints: Vitest, Jest, node:test (TAP or spec). */
export function parseSummary(text) {
  // eslint-disable-next-line no-control-regex
  const plain = text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  const num = (re, s) => Number(re.exec(s)?.[1] ?? 0);
  let found = null;
  for (const line of plain.split('\n')) {
    let m;
    if ((m = /^\s*Tests\s+(.*\(\d+\))\s*$/.exec(line))) {
      found = { passed: num(/(\d+) passed/, m[1]), failed: num(/(\d+) failed/, m[1]) }; // Vitest
    } else if ((m = /^\s*Tests:\s+(.*total)/.exec(line))) {
      found = { passed: num(/(\d+) passed/, m[1]), failed: num(/(\d+) failed/, m[1]) }; // Jest
    }
  }
  if (found) return found;
  // node:test (TAP `# pass 3`, spec `ℹ pass 3`); a cancelled test is a failed one.
  const count = (word) => Number(new RegExp(`^(?:#|ℹ)\\s*${word} (\\d+)\\s*$`, 'm').exec(plain)?.[1] ?? NaN);
  const [pass, fail, cancelled] = ['pass', 'fail', 'cancelled'].map(count);
  if (!Number.isNaN(pass) || !Number.isNaN(fail)) {
    return { passed: pass || 0, failed: (fail || 0) + (cancelled || 0) };
  }
  return null;
}

/** Runs one suite's command; its output goes to the terminal. */
async function runSuite(name, cmd, args, { env = {}, jsonFile, capture = false } = {}) {
  say('test', `── ${name} ──`);
  const started = Date.now();
  if (jsonFile) rmSync(jsonFile, { force: true });
  current = spawnManaged({ name, cmd, args, env: toolEnv(env), cwd: repoRoot, capture });
  const proc = current;
  const timer = sleep(SUITE_TIMEOUT_MS).then(() => 'timeout');
  let note = '';
  if ((await Promise.race([proc.exited, timer])) === 'timeout') {
    note = `timed out after ${seconds(SUITE_TIMEOUT_MS)}`;
    await proc.stop({ graceMs: 5000 });
  }
  const { code, signal } = await proc.exited;
  current = null;
  let counts = null;
  if (jsonFile && existsSync(jsonFile)) {
    try {
      counts = jestCounts(jsonFile);
    } catch (err) {
      note ||= `unreadable report: ${err.message}`;
    }
  } else if (capture) {
    counts = parseSummary(proc.output());
  }
  if (!counts) counts = code === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
  if (code !== 0 && counts.failed === 0) {
    // Non-zero exit with no failing test: a crash, a config error, an open handle that was killed…
    counts.failed = 1;
    note ||= `exited with ${code ?? signal}`;
  }
  results.push({ name, ...counts, ms: Date.now() - started, note });
  return counts;
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
  const projects = suites.includes('browser') ? BUILD_PROJECTS : BUILD_PROJECTS.filter((p) => p !== 'frontend');

  // (a) infrastructure and (b) build, side by side.
  const infraTask = needInfra ? startTestInfra() : null;
  const buildTask = needBuild ? buildAll({ logFile: path.join(logDir, 'build.log'), projects, tag: 'build' }) : null;
  const [infraResult, buildResult] = await Promise.allSettled([infraTask, buildTask]);
  if (infraResult.status === 'fulfilled') infra = infraResult.value;
  else fail('infrastructure', infraResult.reason?.message ?? String(infraResult.reason));
  if (buildTask && (buildResult.status === 'rejected' || !buildResult.value.ok)) {
    fail('build', `nx build failed; see ${path.relative(repoRoot, path.join(logDir, 'build.log'))}`);
  }
  const infraEnv = infra ? { KAFKA_BROKERS: infra.kafkaBrokers, MONGO_URL: infra.mongoUrl } : {};

  // (c) the suites, in order.
  for (const suite of suites) {
    if (suite === 'unit') {
      const jsonFile = path.join(runDir, 'unit.json');
      await runSuite('unit', 'npx', ['jest', '-c', 'jest.unit.config.cjs', '--ci', '--json', `--outputFile=${jsonFile}`], {
        env: infraEnv,
        jsonFile,
      });
    } else if (suite === 'frontend') {
      await runSuite('frontend', 'npx', ['nx', 'test', 'frontend', '--outputStyle=static'], { env: infraEnv, capture: true });
    } else if (suite === 'integration' || suite === 'faults') {
      // faults: tests/faults and tests/abuse, processes killed, paused, the broker and the database taken
      // away under load; hostile input, forged tokens, floods. integration: every other *.int.ts.
      if (!infra) {
        fail(suite, 'skipped: no Kafka/MongoDB');
        continue;
      }
      const jsonFile = path.join(runDir, `${suite}.json`);
      const select = suite === 'faults' ? ['tests/faults', 'tests/abuse'] : ['--testPathIgnorePatterns=/tests/(faults|abuse)/'];
      await runSuite(suite, 'npx', ['jest', '-c', 'jest.integration.config.cjs', '--ci', '--runInBand', ...select, '--json', `--outputFile=${jsonFile}`], {
        env: infraEnv,
        jsonFile,
      });
    } else if (suite === 'chart') {
      const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
      if (!pkg.scripts?.['test:chart']) continue;
      await runSuite('chart', 'npm', ['run', '--silent', 'test:chart'], { env: infraEnv, capture: true });
    } else if (suite === 'browser') {
      if (!existsSync(path.join(repoRoot, E2E_CONFIG))) continue;
      if (!infra) {
        fail('browser', 'skipped: no Kafka/MongoDB');
        continue;
      }
      await runBrowserSuite();
    }
  }

  await cleanup();
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  process.stdout.write('\n');
  for (const r of results) {
    say('test', `${r.name.padEnd(14)} ${String(r.passed).padStart(4)} passed ${String(r.failed).padStart(4)} failed  ${seconds(r.ms).padStart(8)}${r.note ? `  (${r.note})` : ''}`);
  }
  say('test', `total time ${seconds(Date.now() - t0)}; logs in ${path.relative(process.cwd(), logDir)}/`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exit(failed > 0 ? 1 : 0);
}

/**
 * The test profile's own Kafka and FerretDB. Provisioning comes first (it may
 * take minutes on a first run), then ports are chosen: the usual ones when
 * free, otherwise free ones, and again if another run took them in between.
 */
async function startTestInfra() {
  const givenKafka = process.env.KAFKA_BROKERS || undefined;
  const givenMongo = process.env.MONGO_URL || undefined;
  const dirs = { cacheDir: fromRoot(process.env.CHAT_CACHE_DIR || '.cache'), logDir };
  await Promise.all([givenKafka ? null : provisionKafka(dirs), givenMongo ? null : provisionFerretDB(dirs)]);
  for (let attempt = 1; ; attempt++) {
    const port = async (envName, usual) => (attempt === 1 ? preferredPort(Number(process.env[envName] || usual)) : freePort());
    try {
      return await startInfra({
        profile: 'test',
        kafkaPort: givenKafka ? undefined : await port('CHAT_TEST_KAFKA_PORT', 29092),
        controllerPort: givenKafka ? undefined : await port('CHAT_TEST_KAFKA_CONTROLLER_PORT', 29093),
        mongoPort: givenMongo ? undefined : await port('CHAT_TEST_MONGO_PORT', 27027),
        ...dirs,
        dataDir: runDir,
        kafkaBrokers: givenKafka,
        mongoUrl: givenMongo,
      });
    } catch (err) {
      if (attempt >= 3 || !/already in use/.test(err.message)) throw err;
      say('test', 'a port was taken meanwhile (another run?); trying free ones');
    }
  }
}

/** Browser tests need a running platform: started like `npm start`'s, isolated, on free ports. */
async function runBrowserSuite() {
  const id = `e2e-${process.pid}-${Date.now().toString(36)}`;
  const ports = {};
  for (const name of ['gateway', 'auth', 'users', 'messaging', 'presence']) ports[name] = await freePort();
  try {
    platform = await startServices({
      kafkaBrokers: infra.kafkaBrokers,
      mongoUrl: infra.mongoUrl,
      jwtSecret: randomSecret(),
      ports,
      env: { KAFKA_NAMESPACE: id, MONGO_DB: id.replace(/-/g, '_'), RATE_LIMITS: 'off' },
      logDir: path.join(logDir, 'e2e'),
      tag: 'browser',
    });
  } catch (err) {
    fail('browser', `platform did not start: ${err.message}`);
    return;
  }
  const jsonFile = path.join(runDir, 'browser.json');
  await runSuite('browser', 'npx', ['jest', '-c', E2E_CONFIG, '--ci', '--runInBand', '--json', `--outputFile=${jsonFile}`], {
    env: { KAFKA_BROKERS: infra.kafkaBrokers, MONGO_URL: infra.mongoUrl, CHAT_URL: platform.url },
    jsonFile,
  });
  await platform.stop();
  platform = null;
}

main().catch(async (err) => {
  process.stderr.write(`\n${err?.stack ?? err}\n`);
  await cleanup().catch(() => {});
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0) + 1;
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exit(1);
});
