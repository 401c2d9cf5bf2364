#!/usr/bin/env node
// A Kafka broker and FerretDB of their own for the dependency fault tests,
// driven over stdin so a test can take either away and bring it back:
//   argv: [--kafka-users '{"name":"password",…}'] for a broker with SASL/SCRAM and ACLs (scripts/infra/kafka.mjs)
//   stdout (first line): {"kafkaBrokers": "...", "kafkaAdminBrokers": "...", "mongoUrl": "..."}
//   stdin lines: "stop kafka" | "kill kafka" | "start kafka" | "stop ferretdb" | "kill ferretdb" | "start ferretdb" | "exit"
//   (stop: SIGTERM, a graceful shutdown; kill: SIGKILL, as in a crash or an OOM kill)
//   stdout: "ok <command>" or "error <command>: <message>" per line
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { freePort, startFerretDB, startKafka } from '../../scripts/infra/index.mjs';

const dataDir = mkdtempSync(path.join(tmpdir(), 'chat-faults-'));
const logDir = path.join(dataDir, 'logs');
const [port, controllerPort, mongoPort] = [await freePort(), await freePort(), await freePort()];
const usersArg = process.argv.indexOf('--kafka-users');
const scram = usersArg > 0 ? { localPort: await freePort(), users: JSON.parse(process.argv[usersArg + 1]) } : undefined;
const [kafka, ferretdb] = await Promise.all([
  startKafka({ port, controllerPort, dataDir, logDir, scram }),
  startFerretDB({ port: mongoPort, dataDir, logDir }),
]);
process.stdout.write(`${JSON.stringify({ kafkaBrokers: kafka.brokers, kafkaAdminBrokers: kafka.adminBrokers, mongoUrl: ferretdb.url, logDir, dataDir })}\n`);

const handles = { kafka, ferretdb };
let exiting = false;
async function shutdown() {
  if (exiting) return;
  exiting = true;
  await Promise.allSettled([kafka.stop(), ferretdb.stop()]);
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// The test process is our parent: when it goes, so do we.
process.stdin.on('end', shutdown);

for await (const line of createInterface({ input: process.stdin })) {
  const [verb, what] = line.trim().split(/\s+/);
  if (verb === 'exit') await shutdown();
  const handle = handles[what];
  try {
    if (!handle || !['stop', 'kill', 'start'].includes(verb)) throw new Error('unknown command');
    await handle[verb]();
    process.stdout.write(`ok ${line.trim()}\n`);
  } catch (err) {
    process.stdout.write(`error ${line.trim()}: ${err.message}\n`);
  }
}
