// FerretDB v1 (MongoDB wire protocol over SQLite files in a local folder),
// built once from source with Go into the cache folder.
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { spawnManaged } from '../lib/proc.mjs';
import { fromRoot, repoRoot, run, say, seconds, tail, waitUntil, which } from '../lib/util.mjs';
import { ensurePortFree, reclaim, writePidFile } from './common.mjs';

export const FERRETDB_VERSION = 'v1.24.2';
const MODULE = 'github.com/FerretDB/FerretDB';

/**
 * Fixes applied to FerretDB v1.24.2's source before it is built (the binary's
 * name says which set: `-pk2`):
 *
 * - its SQLite backend creates every collection's `_id` index on the
 *   expression `_ferretdb_sjson->"_id"` but writes its `_id` lookups, updates
 *   and deletes as `_ferretdb_sjson->'$._id' = ?`. SQLite uses an expression
 *   index only for the same expression, so every find, update and delete by
 *   `_id` scanned the whole table (EXPLAIN QUERY PLAN: `SCAN`). The fix writes
 *   the lookups with the index's expression (`SEARCH … USING INDEX …__id_`);
 *   with 2,000 documents, findOne by _id 5.6 → 0.3 ms of FerretDB CPU;
 * - the `update` command closes each statement's query only when the whole
 *   command ends (`defer` inside its loop), so an update with many statements
 *   (a bulkWrite) holds one pooled SQLite connection per statement. At 100
 *   (the pool's size), or with several such commands at once, the next
 *   statement waits for a connection forever and every client of that
 *   database hangs. Fixed by closing each statement's query when it is done.
 */
const PATCHES = [
  {
    file: path.join('internal', 'backends', 'sqlite', 'metadata', 'metadata.go'),
    from: `IDColumn = DefaultColumn + "->'$._id'"`,
    to: 'IDColumn = DefaultColumn + `->"_id"`',
  },
  {
    file: path.join('internal', 'handler', 'msg_update.go'),
    from: `		closer := iterator.NewMultiCloser()
		defer closer.Close()
`,
    to: `		closer := iterator.NewMultiCloser()
		// no defer: closed right after this statement's update, below
`,
  },
  {
    file: path.join('internal', 'handler', 'msg_update.go'),
    from: `		result, err := common.UpdateDocument(ctx, c, "update", iter, &u)
		if err != nil {`,
    to: `		result, err := common.UpdateDocument(ctx, c, "update", iter, &u)
		closer.Close()
		if err != nil {`,
  },
];
const BUILD = `${FERRETDB_VERSION}-pk2`;

const MISSING_GO =
  'Go is needed once, to build FerretDB (the local MongoDB-compatible database). Install it (https://go.dev/doc/install, ' +
  'or Debian: `apt-get install golang`), or point the platform at an existing MongoDB with MONGO_URL=mongodb://host:port/.';

function binaryPath(cacheDir) {
  return path.join(fromRoot(cacheDir), 'bin', `ferretdb-${BUILD}`);
}

/**
 * Builds FerretDB into `<cacheDir>/bin` (first run only) and returns the binary.
 *
 * A plain `go install …/cmd/ferretdb@v1.24.2` gives a binary that panics at
 * start ("Invalid build/version/version.txt"): the module zip lacks that file,
 * which FerretDB's own build writes. So: download the module source, add the
 * file, apply PATCHES, and install from that folder.
 */
export async function provisionFerretDB({ cacheDir = '.cache', logDir = '.logs' } = {}) {
  const bin = binaryPath(cacheDir);
  if (existsSync(bin)) return bin;
  if (!which('go')) throw new Error(MISSING_GO);

  const started = Date.now();
  mkdirSync(fromRoot(cacheDir), { recursive: true });
  const logFile = path.join(fromRoot(logDir), 'provision-ferretdb.log');
  mkdirSync(path.dirname(logFile), { recursive: true });
  const log = [];
  const step = async (what, cmd, args, opts) => {
    const result = await run(cmd, args, opts);
    log.push(`$ ${cmd} ${args.join(' ')}\n${result.stdout}${result.stderr}`);
    writeFileSync(logFile, log.join('\n'));
    if (result.code !== 0) {
      throw new Error(`FerretDB: ${what} failed (exit ${result.code}); see ${logFile}:\n${tail(logFile, 25)}`);
    }
    return result;
  };

  say('ferretdb', `fetching FerretDB ${FERRETDB_VERSION} source with Go (first run only)…`);
  const download = await step('go mod download', 'go', ['mod', 'download', '-json', `${MODULE}@${FERRETDB_VERSION}`], {
    cwd: fromRoot(cacheDir),
    env: { ...process.env, GOFLAGS: '', GO111MODULE: 'on' },
  });
  const { Dir: moduleDir } = JSON.parse(download.stdout);
  if (!moduleDir) throw new Error(`FerretDB: go mod download gave no source folder:\n${download.stdout}`);

  const src = path.join(fromRoot(cacheDir), `ferretdb-src-${process.pid}`);
  rmSync(src, { recursive: true, force: true });
  cpSync(moduleDir, src, { recursive: true });
  chmodRecursive(src);
  writeFileSync(path.join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
  for (const patch of PATCHES) {
    const patched = path.join(src, patch.file);
    const before = readFileSync(patched, 'utf8');
    if (!before.includes(patch.from)) throw new Error(`FerretDB: ${patch.file} no longer has the lines a fix replaces:\n${patch.from}`);
    writeFileSync(patched, before.replace(patch.from, patch.to));
  }

  say('ferretdb', 'compiling FerretDB (first run only; a few minutes on 2 cores)…');
  const gobin = path.join(fromRoot(cacheDir), `bin-${process.pid}`);
  const ticker = setInterval(() => say('ferretdb', `  still compiling (${seconds(Date.now() - started)})…`), 30000);
  try {
    await step('go install', 'go', ['install', './cmd/ferretdb'], {
      cwd: src,
      env: { ...process.env, GOBIN: gobin, GOFLAGS: '-buildvcs=false' },
    });
  } finally {
    clearInterval(ticker);
    rmSync(src, { recursive: true, force: true });
  }
  mkdirSync(path.dirname(bin), { recursive: true });
  cpSync(path.join(gobin, 'ferretdb'), bin);
  chmodSync(bin, 0o755);
  rmSync(gobin, { recursive: true, force: true });
  say('ferretdb', `FerretDB ${BUILD} built in ${seconds(Date.now() - started)}`);
  return bin;
}

function chmodRecursive(dir) {
  // The Go module cache is read-only; the copy must be writable to add a file and to delete it later.
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chmodRecursive(p);
    else chmodSync(p, 0o644);
  }
}

/** True once FerretDB answers a MongoDB `ping`. */
export async function mongoReady(url) {
  const require = createRequire(path.join(repoRoot, 'package.json'));
  const { MongoClient } = require('mongodb');
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 1500, connectTimeoutMS: 1500, directConnection: true });
  try {
    await client.connect();
    const res = await client.db('admin').command({ ping: 1 });
    return res.ok === 1;
  } finally {
    await client.close().catch(() => {});
  }
}

/**
 * Starts FerretDB on 127.0.0.1:`port`, SQLite files in `<dataDir>/ferretdb`,
 * and waits until it answers ping. The handle's stop()/start()/kill() let
 * fault tests take it away and bring it back on the same data.
 */
export async function startFerretDB({
  // Loopback, or a local bridge's address for pods (tests/cluster).
  host = '127.0.0.1',
  port = 27017,
  dataDir = '.data/dev',
  cacheDir = '.cache',
  logDir = '.logs/dev',
  readyTimeoutMs = 120000,
} = {}) {
  const bin = await provisionFerretDB({ cacheDir, logDir });
  const home = path.join(fromRoot(dataDir), 'ferretdb');
  const pidFile = path.join(fromRoot(dataDir), 'ferretdb.pid');
  const logFile = path.join(fromRoot(logDir), 'ferretdb.log');
  const url = `mongodb://${host}:${port}/`;
  mkdirSync(home, { recursive: true });
  const args = [
    '--handler=sqlite',
    `--sqlite-url=file:${home}/`,
    `--listen-addr=${host}:${port}`,
    '--debug-addr=-',
    '--telemetry=disable',
    `--state-dir=${home}`,
    '--log-level=warn',
  ];

  const handle = {
    name: 'ferretdb',
    url,
    port,
    logFile,
    process: null,
    get pid() {
      return handle.process?.pid;
    },
    async start() {
      if (handle.process?.alive()) return handle;
      await reclaim('ferretdb', pidFile, home);
      await ensurePortFree('ferretdb', port, 'Set CHAT_MONGO_PORT to another port, or MONGO_URL to use a running MongoDB.');
      const started = Date.now();
      const proc = spawnManaged({ name: 'ferretdb', cmd: bin, args, logFile });
      handle.process = proc;
      writePidFile(pidFile, proc.pid);
      proc.exited.then(() => {
        if (handle.process === proc) rmSync(pidFile, { force: true });
      });
      try {
        await waitUntil(() => mongoReady(url), {
          timeoutMs: readyTimeoutMs,
          intervalMs: 300,
          what: `FerretDB on ${host}:${port}`,
          alive: () => proc.alive(),
        });
      } catch (err) {
        await proc.stop({ graceMs: 5000 });
        throw new Error(`${err.message}\nlast lines of ${logFile}:\n${tail(logFile, 25)}`);
      }
      say('ferretdb', `FerretDB ${FERRETDB_VERSION} ready on ${host}:${port} in ${seconds(Date.now() - started)} (log: ${path.relative(process.cwd(), logFile)})`);
      return handle;
    },
    async stop({ graceMs = 10000 } = {}) {
      if (!handle.process) return;
      await handle.process.stop({ graceMs });
      rmSync(pidFile, { force: true });
    },
    async kill() {
      if (!handle.process) return;
      await handle.process.kill();
      rmSync(pidFile, { force: true });
    },
  };
  await handle.start();
  return handle;
}
