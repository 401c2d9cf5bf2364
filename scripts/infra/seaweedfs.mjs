// SeaweedFS (Apache-2.0): an S3-compatible object store for the attachments,
// run as one `weed server -s3` process on loopback, built once from source
// with Go into the cache folder (like FerretDB).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fromRoot, repoRoot } from '../lib/util.mjs';
import { startServer } from './common.mjs';
import { buildGoBinary } from './gobuild.mjs';

/** The module proxy lists no tagged version of the module (its tags are not semver); this is its newest pseudo-version. */
export const SEAWEEDFS_VERSION = 'v0.0.0-20261109003541-7506e5f91cd6';
const MODULE = 'github.com/seaweedfs/seaweedfs';
const SHORT = SEAWEEDFS_VERSION.slice(-12);

const MISSING_GO =
  'Go (1.26.6 or newer) is needed once, to build SeaweedFS (the local S3-compatible object store for attachments). ' +
  'Install it (https://go.dev/doc/install), or point the platform at an existing S3-compatible store with ' +
  'S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY.';

/** Builds `weed` into `<cacheDir>/bin` (first run only; 5-13 minutes on 2 cores) and returns it. */
export function provisionSeaweedFS({ cacheDir = '.cache', logDir = '.logs' } = {}) {
  return buildGoBinary({ tag: 'seaweedfs', what: 'SeaweedFS', module: MODULE, version: SEAWEEDFS_VERSION, pkg: './weed', binary: `weed-${SHORT}`, missingGo: MISSING_GO, cacheDir, logDir });
}

/**
 * The S3 access key of the local store: made once per data folder and kept,
 * so the services use real credentials (weed refuses unsigned requests once
 * an identity is configured).
 */
function credentials(home) {
  const file = path.join(home, 's3-credentials.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const creds = { accessKeyId: `chat${randomBytes(8).toString('hex')}`, secretAccessKey: randomBytes(24).toString('base64url') };
  writeFileSync(file, JSON.stringify(creds) + '\n', { mode: 0o600 });
  return creds;
}

/** True once the store lists buckets with the credentials (the filer behind the S3 API is up, too). */
export async function s3Ready({ endpoint, accessKeyId, secretAccessKey }) {
  const require = createRequire(path.join(repoRoot, 'package.json'));
  const { S3Client, ListBucketsCommand } = require('@aws-sdk/client-s3');
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
  try {
    await client.send(new ListBucketsCommand({}));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

/**
 * Starts `weed server` with its master, volume server, filer and S3 API on
 * `host` (127.0.0.1; a local bridge's address for the cluster test), data in
 * `<dataDir>/seaweedfs`, S3 on `port` and the parts' HTTP and gRPC ports on
 * port+1 … port+7. Resolves when the S3 API answers.
 */
export async function startSeaweedFS({ host = '127.0.0.1', port = 8333, dataDir = '.data/dev', cacheDir = '.cache', logDir = '.logs/dev', readyTimeoutMs = 120000 } = {}) {
  const bin = await provisionSeaweedFS({ cacheDir, logDir });
  const home = path.join(fromRoot(dataDir), 'seaweedfs');
  const pidFile = path.join(fromRoot(dataDir), 'seaweedfs.pid');
  const logFile = path.join(fromRoot(logDir), 'seaweedfs.log');
  mkdirSync(path.join(home, 'data'), { recursive: true });
  const creds = credentials(home);
  const config = path.join(home, 's3.json');
  writeFileSync(
    config,
    JSON.stringify({ identities: [{ name: 'chat', credentials: [{ accessKey: creds.accessKeyId, secretKey: creds.secretAccessKey }], actions: ['Admin', 'Read', 'List', 'Tagging', 'Write'] }] }, null, 2),
    { mode: 0o600 },
  );
  const ports = { s3: port, master: port + 1, masterGrpc: port + 2, volume: port + 3, volumeGrpc: port + 4, filer: port + 5, filerGrpc: port + 6, s3Grpc: port + 7 };
  const args = [
    'server',
    `-dir=${path.join(home, 'data')}`,
    `-ip=${host}`,
    `-ip.bind=${host}`,
    `-master.port=${ports.master}`,
    `-master.port.grpc=${ports.masterGrpc}`,
    '-master.telemetry=false',
    '-master.volumeSizeLimitMB=1024',
    `-volume.port=${ports.volume}`,
    `-volume.port.grpc=${ports.volumeGrpc}`,
    // Volume slots are files that grow as written, not space taken up front.
    '-volume.max=200',
    '-filer',
    `-filer.port=${ports.filer}`,
    `-filer.port.grpc=${ports.filerGrpc}`,
    `-filer.localSocket=${path.join(home, 'filer.sock')}`,
    '-s3',
    `-s3.port=${ports.s3}`,
    `-s3.port.grpc=${ports.s3Grpc}`,
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    `-s3.localSocket=${path.join(home, 's3.sock')}`,
    `-s3.config=${config}`,
  ];
  const endpoint = `http://${host}:${port}`;
  return startServer({
    name: 'seaweedfs',
    label: 'SeaweedFS S3',
    cmd: bin,
    args,
    // Each bucket is a collection of its own, and weed grows 7 volumes for each new one by default:
    // with a bucket per test platform the slots ran out after a few buckets ("No writable volumes").
    // One at a time, as weed's own single-process mode does; no wait for older volume servers on a fresh folder.
    env: { ...process.env, WEED_MASTER_VOLUME_GROWTH_COPY_1: '1', WEED_MASTER_VOLUME_GROWTH_ALLOCATION_DEFERRAL: '0s' },
    marker: home,
    pidFile,
    logFile,
    ports: Object.values(ports),
    portHint: 'Set CHAT_S3_PORT to another port (it and the next 7 are used), or S3_ENDPOINT to use a running S3-compatible store.',
    ready: () => s3Ready({ endpoint, ...creds }),
    readyTimeoutMs,
    fields: { port, endpoint, ...creds },
    readyMessage: `SeaweedFS S3 ready on ${endpoint}`,
  });
}
