#!/usr/bin/env node
// The cost of one Kafka hop on this machine, without the platform: how long an
// idempotent acks=all produce takes, and how long until a consumer group
// member has it (what every hop of a message costs: gateway → messaging →
// gateway is two). Starts its own broker on loopback (scripts/infra), sends
// `--count` (500) one-message produces one at a time per fetch wait setting,
// and stops everything it started.
//
//   node bench/probes/kafka-hop.mjs [--count 500] [--waits 10,100,500]
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startKafka } from '../../scripts/infra/kafka.mjs';
import { freePort, repoRoot } from '../../scripts/lib/util.mjs';

const { values } = parseArgs({ options: { count: { type: 'string', default: '500' }, waits: { type: 'string', default: '10,100,500' } } });
const count = Math.min(Number(values.count), 10_000);
const waits = values.waits.split(',').map(Number);
const { Kafka, logLevel } = createRequire(path.join(repoRoot, 'package.json'))('kafkajs');

const dir = path.join(os.tmpdir(), `kafka-hop-${process.pid}`);
const port = await freePort();
const broker = await startKafka({ port, controllerPort: await freePort(), dataDir: dir, logDir: path.join(dir, 'logs') });
const q = (a, p) => a.slice().sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * p))];
const fmt = (v) => v.toFixed(2).padStart(7);
try {
  const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'hop', numPartitions: 8 }], waitForLeaders: true });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  console.log('fetch wait (ms) | produce p50 p99 (ms) | produce→consumed p50 p99 (ms)');
  for (const wait of waits) {
    const consumer = kafka.consumer({ groupId: `hop-${wait}`, maxWaitTimeInMs: wait });
    await consumer.connect();
    await consumer.subscribe({ topic: 'hop', fromBeginning: false });
    const consumed = [];
    let arrived = () => undefined;
    await consumer.run({
      partitionsConsumedConcurrently: 4,
      eachMessage: async ({ message }) => {
        consumed.push(performance.now() - Number(message.value.toString()));
        arrived();
      },
    });
    await new Promise((r) => setTimeout(r, 3000)); // the group settles
    const produced = [];
    for (let i = 0; i < count; i++) {
      const got = new Promise((r) => (arrived = r));
      const t0 = performance.now();
      await producer.send({ topic: 'hop', acks: -1, messages: [{ key: `k${i}`, value: String(t0) }] });
      produced.push(performance.now() - t0);
      await Promise.race([got, new Promise((r) => setTimeout(r, 5000))]);
    }
    console.log(`${String(wait).padStart(15)} | ${fmt(q(produced, 0.5))} ${fmt(q(produced, 0.99))}      | ${fmt(q(consumed, 0.5))} ${fmt(q(consumed, 0.99))}`);
    await consumer.disconnect();
  }
  await producer.disconnect();
  await admin.disconnect();
} finally {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
}
