// FerretDB v1 (MongoDB wire protocol over SQLite files in a local folder),
// built once from source with Go into the cache folder.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fromRoot, repoRoot } from '../lib/util.mjs';
import { startServer } from './common.mjs';
import { buildGoBinary } from './gobuild.mjs';

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

/**
 * Builds FerretDB into `<cacheDir>/bin` (first run only) and returns the binary.
 *
 * A plain `go install …/cmd/ferretdb@v1.24.2` gives a binary that panics at
 * start ("Invalid build/version/version.txt"): the module zip lacks that file,
 * which FerretDB's own build writes. So: download the module source, add the
 * file, apply PATCHES, and build from that folder.
 */
export function provisionFerretDB({ cacheDir = '.cache', logDir = '.logs' } = {}) {
  return buildGoBinary({
    tag: 'ferretdb',
    what: 'FerretDB',
    module: MODULE,
    version: FERRETDB_VERSION,
    pkg: './cmd/ferretdb',
    binary: `ferretdb-${BUILD}`,
    missingGo: MISSING_GO,
    cacheDir,
    logDir,
    prepare: (src) => {
      writeFileSync(path.join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
      for (const patch of PATCHES) {
        const patched = path.join(src, patch.file);
        const before = readFileSync(patched, 'utf8');
        if (!before.includes(patch.from)) throw new Error(`FerretDB: ${patch.file} no longer has the lines a fix replaces:\n${patch.from}`);
        writeFileSync(patched, before.replace(patch.from, patch.to));
      }
    },
  });
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
    // WAL with synchronous(NORMAL): a commit reaches the OS before it is acknowledged (a crash
    // of FerretDB loses nothing) and the disk at each checkpoint, not at every commit. That is
    // MongoDB's own default (w:1, the journal flushed every 100 ms), where SQLite's default
    // (FULL) would fsync every insert: `CHAT_FERRETDB_SYNC=FULL` asks for that.
    `--sqlite-url=file:${home}/?_pragma=synchronous(${process.env.CHAT_FERRETDB_SYNC === 'FULL' ? 'FULL' : 'NORMAL'})`,
    `--listen-addr=${host}:${port}`,
    // FerretDB's debug handler (Go's /debug/pprof, and /debug/metrics: requests per command)
    // only when asked for, on loopback: `CHAT_FERRETDB_DEBUG_ADDR=127.0.0.1:8088`.
    `--debug-addr=${process.env.CHAT_FERRETDB_DEBUG_ADDR || '-'}`,
    '--telemetry=disable',
    `--state-dir=${home}`,
    '--log-level=warn',
  ];

  return startServer({
    name: 'ferretdb',
    label: 'FerretDB',
    cmd: bin,
    args,
    marker: home,
    pidFile,
    logFile,
    ports: [port],
    portHint: 'Set CHAT_MONGO_PORT to another port, or MONGO_URL to use a running MongoDB.',
    ready: () => mongoReady(url),
    readyTimeoutMs,
    fields: { url, port },
    readyMessage: `FerretDB ${FERRETDB_VERSION} ready on ${host}:${port}`,
  });
}
