#!/usr/bin/env node
// `npm start`: Kafka and FerretDB (unless KAFKA_BROKERS / MONGO_URL are set),
// a build of the services and the web client when something changed, then the
// five services; prints the URL once every health endpoint answers 200. A service
// that exits is restarted with back-off (1 s doubling to 30 s) and the restart logged.
// Ctrl-C stops the services, then the infrastructure; nothing is left running.
//
//   npm start                      everything on http://localhost:8080
//   npm start -- --no-build        skip the Nx build (use what is in dist/)
//   CHAT_PORT=8081 npm start       another public port
//
// Service output: .logs/<profile>/<service>.log (profile: CHAT_PROFILE, default dev).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startInfra } from './infra/index.mjs';
import { SERVICES, buildAll, persistentJwtSecret, persistentSecret, startServices, superviseServices } from './lib/platform.mjs';
import { onShutdownSignal } from './lib/proc.mjs';
import { envInt, fromRoot, portBindable, quietKnownWarnings, say, seconds } from './lib/util.mjs';

async function main() {
  quietKnownWarnings();
  const { values } = parseArgs({ options: { 'no-build': { type: 'boolean', default: false } } });
  const t0 = Date.now();
  const profile = process.env.CHAT_PROFILE || 'dev';
  const logDir = fromRoot(process.env.CHAT_LOG_DIR || path.join('.logs', profile));
  const ports = Object.fromEntries(SERVICES.map((s) => [s.name, s.port]));
  ports.gateway = envInt('CHAT_PORT') ?? 8080;

  // Fail before minutes of work if another platform already holds the ports.
  for (const [name, port] of Object.entries(ports)) {
    if (!(await portBindable(port))) {
      throw new Error(
        `port ${port} (${name}) is already in use on 127.0.0.1: is the platform already running? ` +
          (name === 'gateway' ? 'CHAT_PORT=<port> chooses another public port.' : 'Stop the other one first.'),
      );
    }
  }

  let infra = null;
  let platform = null;
  let stopping = false;
  onShutdownSignal(async () => {
    stopping = true;
    if (platform) {
      say('start', 'stopping services…');
      await platform.stop();
    }
    if (infra && (infra.kafka || infra.ferretdb)) {
      say('start', 'stopping Kafka and FerretDB…');
      await infra.stop();
    }
    say('start', 'stopped');
  });

  const skipBuild = values['no-build'] || process.env.CHAT_SKIP_BUILD === '1';
  // Infrastructure and build side by side: the broker's start overlaps with Nx.
  const [infraResult, buildResult] = await Promise.allSettled([
    startInfra({ profile }),
    skipBuild ? { ok: true } : buildAll({ logFile: path.join(logDir, 'build.log') }),
  ]);
  if (infraResult.status === 'fulfilled') infra = infraResult.value;
  if (stopping) return new Promise(() => {});
  if (infraResult.status === 'rejected') throw infraResult.reason;
  if (buildResult.status === 'rejected' || !buildResult.value.ok) {
    await infra.stop();
    throw new Error('the build failed (see above)');
  }

  const jwtSecret = process.env.JWT_SECRET || persistentJwtSecret(infra.dataDir);
  try {
    platform = await startServices({
      kafkaBrokers: infra.kafkaBrokers,
      mongoUrl: infra.mongoUrl,
      jwtSecret,
      mediaSecret: process.env.MEDIA_URL_SECRET || persistentSecret(infra.dataDir, 'media-url-secret'),
      s3: infra.s3,
      ports,
      logDir,
      tag: 'start',
    });
  } catch (err) {
    if (stopping) return new Promise(() => {});
    await infra.stop();
    throw err;
  }
  if (stopping) return new Promise(() => {});

  // A service that dies is started again with back-off, as Kubernetes would: one machine heals by itself.
  superviseServices(platform);
  for (const h of [infra.kafka, infra.ferretdb, infra.seaweedfs].filter(Boolean)) {
    h.process.exited.then(() => {
      if (!stopping && !h.process.alive()) say(h.name, `exited; see ${path.relative(process.cwd(), h.logFile)}`);
    });
  }
  say('start', `up in ${seconds(Date.now() - t0)}; logs in ${path.relative(process.cwd(), logDir)}/; Ctrl-C stops everything`);
  process.stdout.write(`\nChat is running at ${platform.url}\n\n`);
  return new Promise(() => {}); // run until a signal
}

main().catch((err) => {
  process.stderr.write(`\n${err.message ?? err}\n`);
  process.exit(1);
});
