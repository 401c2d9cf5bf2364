// A real Apache Kafka broker (KRaft, one node acting as broker and controller)
// run from the Maven Central artifacts with `java -cp`: fetched once into the
// cache folder with Maven, storage formatted once per data folder.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { spawnManaged } from '../lib/proc.mjs';
import { fromRoot, repoRoot, run, say, seconds, tail, waitUntil, which } from '../lib/util.mjs';
import { ensurePortFree, reclaim, writePidFile } from './common.mjs';

const POM = path.join(repoRoot, 'scripts', 'infra', 'kafka-pom.xml');
export const KAFKA_VERSION = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(POM, 'utf8'))[1];

const MISSING_JAVA =
  'Java 17 or newer is needed to run the Kafka broker. Install it (Debian: `apt-get install openjdk-17-jre-headless`), ' +
  'or point the platform at an existing broker with KAFKA_BROKERS=host:port.';
const MISSING_MAVEN =
  'Maven is needed once, to fetch the Kafka broker into the cache. Install it (Debian: `apt-get install maven`), ' +
  'or point the platform at an existing broker with KAFKA_BROKERS=host:port.';

let javaChecked = false;
/** Fails with a message naming Java when `java` is absent or older than 17. */
export async function checkJava() {
  if (javaChecked) return;
  if (!which('java')) throw new Error(MISSING_JAVA);
  const { code, stdout, stderr } = await run('java', ['-version']);
  const m = /version "(\d+)(?:\.(\d+))?/.exec(stderr + stdout);
  if (code !== 0 || !m) throw new Error(`${MISSING_JAVA}\n(\`java -version\` said: ${(stderr + stdout).trim()})`);
  const major = m[1] === '1' ? Number(m[2]) : Number(m[1]);
  if (major < 17) throw new Error(`Found Java ${major}. ${MISSING_JAVA}`);
  javaChecked = true;
}

/**
 * Fetches kafka_2.13 and its runtime dependencies into
 * `<cacheDir>/kafka-<version>/lib` (first run only) and returns that folder.
 */
export async function provisionKafka({ cacheDir = '.cache', logDir = '.logs' } = {}) {
  const home = path.join(fromRoot(cacheDir), `kafka-${KAFKA_VERSION}`);
  const lib = path.join(home, 'lib');
  const done = path.join(home, '.complete');
  if (existsSync(done)) return lib;
  await checkJava();
  if (!which('mvn')) throw new Error(MISSING_MAVEN);

  const started = Date.now();
  say('kafka', `fetching broker ${KAFKA_VERSION} with Maven (first run only)…`);
  mkdirSync(home, { recursive: true });
  mkdirSync(fromRoot(logDir), { recursive: true });
  const logFile = path.join(fromRoot(logDir), 'provision-kafka.log');
  const staging = `${lib}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  let downloads = 0;
  let lastReport = Date.now();
  const result = await run(
    'mvn',
    ['-B', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`, '-DincludeScope=runtime'],
    {
      onLine: (line) => {
        if (!/Downloaded from/.test(line)) return;
        downloads += 1;
        if (Date.now() - lastReport > 5000) {
          lastReport = Date.now();
          say('kafka', `  ${downloads} files downloaded (${seconds(Date.now() - started)})…`);
        }
      },
    },
  );
  writeFileSync(logFile, result.stdout + result.stderr);
  if (result.code !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`Maven could not fetch the Kafka broker (exit ${result.code}); see ${logFile}:\n${tail(logFile, 25)}`);
  }
  if (existsSync(lib)) {
    // Another launcher finished first; keep its copy.
    rmSync(staging, { recursive: true, force: true });
  } else {
    renameSync(staging, lib);
  }
  writeFileSync(done, `${new Date().toISOString()}\n`);
  say('kafka', `broker ${KAFKA_VERSION} fetched (${downloads} files downloaded) in ${seconds(Date.now() - started)}`);
  return lib;
}

function serverProperties({ host = '127.0.0.1', port, controllerPort, logDirs, scram }) {
  const listeners = scram
    ? `listeners=SASL_PLAINTEXT://${host}:${port},LOCAL://127.0.0.1:${scram.localPort},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=SASL_PLAINTEXT://${host}:${port},LOCAL://127.0.0.1:${scram.localPort}
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,LOCAL:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=LOCAL
# Clients sign in with SCRAM; each principal gets only the ACLs granted to it. LOCAL and
# CONTROLLER are loopback-only listeners whose anonymous principal is the broker's operator.
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:ANONYMOUS
allow.everyone.if.no.acl.found=false`
    : `listeners=PLAINTEXT://${host}:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://${host}:${port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT`;
  return `# Written by scripts/infra/kafka.mjs on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
${listeners}
controller.listener.names=CONTROLLER
log.dirs=${logDirs}
num.partitions=1
# One node: the internal topics cannot have more than one replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# The controller appends a no-op record to the metadata log every 500 ms by default, for
# observers to see it alive; a one-node quorum has none. 5 s took 1.3 points off the broker's
# CPU at rest (bench idle, alternated: 6.8 -> 5.5 % of a core).
metadata.max.idle.interval.ms=5000
# Topics are created on purpose, with their partition counts, by the services.
auto.create.topics.enable=false
# Threads for a developer's machine of a few cores (the defaults are 3 network and 8 request
# handler threads): on two cores, 1 and 2 gave the lowest broker CPU and latency per message
# (docs/performance.md, session 13).
num.network.threads=1
num.io.threads=2
# CHAT_KAFKA_SERVER_PROPS: more settings, ';'-separated; a key named again overrides the one above.
${(process.env.CHAT_KAFKA_SERVER_PROPS ?? '').split(';').map((l) => l.trim()).filter(Boolean).join('\n')}
`;
}

const LOG4J2 = `# Broker log to stdout, which the launcher appends to the log file.
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
logger.zk.name = org.apache.zookeeper
logger.zk.level = WARN
# Keep the start and stop lines.
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = INFO
logger.broker.name = kafka.server.BrokerServer
logger.broker.level = INFO
`;

/** A Kafka cluster id: 16 random bytes in URL-safe base64, as Kafka's Uuid prints it. */
function clusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** True once a kafkajs admin client can read the cluster's metadata. */
export async function kafkaReady(brokers) {
  const require = createRequire(path.join(repoRoot, 'package.json'));
  const { Kafka, logLevel } = require('kafkajs');
  const admin = new Kafka({
    clientId: 'chat-launcher-probe',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1500,
    requestTimeout: 3000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Starts a single-node broker on `host`:`port` (127.0.0.1 unless given; controller on
 * `controllerPort`) with its data in `<dataDir>/kafka`, and waits until it
 * serves metadata. Returns a handle whose stop()/start()/kill() let fault
 * tests take the broker away and bring it back on the same data.
 */
export async function startKafka({
  // Where clients reach the broker: loopback, or a local bridge's address for pods (tests/cluster).
  host = '127.0.0.1',
  port = 9092,
  controllerPort = 9093,
  dataDir = '.data/dev',
  cacheDir = '.cache',
  logDir = '.logs/dev',
  heap = process.env.CHAT_KAFKA_HEAP || '384m',
  readyTimeoutMs = 240000,
  // { localPort, users: { name: password } }: SASL/SCRAM with ACLs on `port` (see serverProperties);
  // the users are created when the storage is formatted, so only on a new data folder.
  scram = undefined,
} = {}) {
  const lib = await provisionKafka({ cacheDir, logDir });
  await checkJava();
  const home = path.join(fromRoot(dataDir), 'kafka');
  const logDirs = path.join(home, 'data');
  const config = path.join(home, 'server.properties');
  const log4j = path.join(home, 'log4j2.properties');
  const pidFile = path.join(home, 'kafka.pid');
  const logFile = path.join(fromRoot(logDir), 'kafka.log');
  const brokers = `${host}:${port}`;
  // Where the launcher itself (and a test, as the operator) reaches the broker without credentials.
  const adminBrokers = scram ? `127.0.0.1:${scram.localPort}` : brokers;
  const classpath = `${lib}/*`;
  mkdirSync(logDirs, { recursive: true });

  const handle = {
    name: 'kafka',
    brokers,
    adminBrokers,
    port,
    controllerPort,
    logFile,
    process: null,
    get pid() {
      return handle.process?.pid;
    },
    /** Starts (or restarts) the broker on the same data and waits until it is ready. */
    async start() {
      if (handle.process?.alive()) return handle;
      await reclaim('kafka', pidFile, config);
      const hint = 'Set CHAT_KAFKA_PORT / CHAT_KAFKA_CONTROLLER_PORT to other ports, or KAFKA_BROKERS to use a running broker.';
      await ensurePortFree('kafka', port, hint);
      await ensurePortFree('kafka', controllerPort, hint);
      if (scram) await ensurePortFree('kafka', scram.localPort, hint);
      writeFileSync(config, serverProperties({ host, port, controllerPort, logDirs, scram }));
      writeFileSync(log4j, LOG4J2);
      const jvm = [
        `-Xmx${heap}`,
        '-Xms128m',
        '-XX:+UseSerialGC',
        '-XX:+ExitOnOutOfMemoryError',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${log4j}`,
        ...(process.env.CHAT_KAFKA_JVM_OPTS ?? '').split(/\s+/).filter(Boolean),
        '-cp',
        classpath,
      ];
      if (!existsSync(path.join(logDirs, 'meta.properties'))) {
        say('kafka', 'formatting KRaft storage (first start on this data folder)…');
        const users = Object.entries(scram?.users ?? {}).flatMap(([name, password]) => ['--add-scram', `SCRAM-SHA-512=[name=${name},password=${password}]`]);
        const format = await run('java', [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', config, ...users]);
        if (format.code !== 0) {
          throw new Error(`kafka: formatting storage failed (exit ${format.code}):\n${format.stdout}${format.stderr}`);
        }
      }
      const started = Date.now();
      const proc = spawnManaged({ name: 'kafka', cmd: 'java', args: [...jvm, 'kafka.Kafka', config], logFile });
      handle.process = proc;
      writePidFile(pidFile, proc.pid);
      proc.exited.then(() => {
        if (handle.process === proc) rmSync(pidFile, { force: true });
      });
      try {
        await waitUntil(() => kafkaReady(adminBrokers), {
          timeoutMs: readyTimeoutMs,
          intervalMs: 500,
          what: `kafka on ${brokers}`,
          alive: () => proc.alive(),
        });
      } catch (err) {
        await proc.stop({ graceMs: 5000 });
        throw new Error(`${err.message}\nlast lines of ${logFile}:\n${tail(logFile, 25)}`);
      }
      say('kafka', `broker ${KAFKA_VERSION} ready on ${brokers} in ${seconds(Date.now() - started)} (log: ${path.relative(process.cwd(), logFile)})`);
      return handle;
    },
    /** Graceful stop (controlled shutdown), SIGKILL after the grace period. */
    async stop({ graceMs = 20000 } = {}) {
      const proc = handle.process;
      if (!proc) return;
      await proc.stop({ graceMs });
      rmSync(pidFile, { force: true });
    },
    /** Abrupt stop, as in a crash. */
    async kill() {
      const proc = handle.process;
      if (!proc) return;
      await proc.kill();
      rmSync(pidFile, { force: true });
    },
  };
  await handle.start();
  return handle;
}
