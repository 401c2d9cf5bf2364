#!/usr/bin/env node
// Kafka clients side by side, on one broker it starts on loopback (scripts/infra): kafkajs
// 2.2.4 as released, kafkajs with the platform's two fixes (libs/platform/kafka/src/lib:
// request-queue-fix.ts, auto-commit-fix.ts), and @platformatic/kafka. Each client
// runs in its own child process (the fix patches kafkajs' class), one after another:
//   hop:   --count (300) messages one at a time: an idempotent acks=all produce, then a
//          group member has it (what each of a chat message's two Kafka hops costs);
//   flood: --flood (5000) messages, one per send, --inflight (200) sends in flight: msg/s and
//          the client's CPU per message (producer and consumer both in the child);
//   idle:  --idle-seconds (20) with the producer and the consumer connected and nothing sent;
//   outage, pause: 20 messages/s keyed over 16 keys while the broker is stopped for
//          --outage-seconds (20), then while the child is SIGSTOPped for --pause-seconds (15,
//          past the 10 s session timeout): sent, acked, lost (acked, never consumed),
//          duplicated, out of order per key, and the longest gap between two consumed messages.
// The fetch wait is the platform's default, 1000 ms (--wait). Bounded; stops what it started.
//
//   node bench/probes/kafka-clients.mjs [--clients kafkajs,kafkajs-fixed,platformatic] [--rounds 1]
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: 'kafkajs,kafkajs-fixed,platformatic' },
    count: { type: 'string', default: '300' },
    flood: { type: 'string', default: '5000' },
    inflight: { type: 'string', default: '200' },
    wait: { type: 'string', default: '1000' },
    'idle-seconds': { type: 'string', default: '20' },
    rounds: { type: 'string', default: '1' },
    // 0 skips the fault phases: the broker stopped, then the client paused past its session timeout
    'outage-seconds': { type: 'string', default: '20' },
    'pause-seconds': { type: 'string', default: '15' },
    // internal: run one client against a running broker
    child: { type: 'string' },
    port: { type: 'string' },
    topic: { type: 'string' },
  },
});
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const require = createRequire(path.join(root, 'package.json'));
const count = Math.min(Number(values.count), 10_000);
const flood = Math.min(Number(values.flood), 100_000);
const inflight = Math.min(Number(values.inflight), 1000);
const wait = Number(values.wait);
const idleSeconds = Math.min(Number(values['idle-seconds']), 120);
const outageSeconds = Math.min(Number(values['outage-seconds']), 60);
const pauseSeconds = Math.min(Number(values['pause-seconds']), 60);
const q = (a, p) => a.slice().sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * p))];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** One client's adapter: connect(onMessage), send(key, value), close(). */
async function kafkajsClient(port, topic, group, fixed) {
  if (fixed) {
    // The platform's own fixes, from their TypeScript sources (Node strips the types); they
    // reach kafkajs' internals with `require`, which an ES module finds on globalThis.
    globalThis.require = require;
    const lib = path.join(root, 'libs/platform/kafka/src/lib');
    (await import(path.join(lib, 'request-queue-fix.ts'))).fixKafkajsRequestQueue();
    (await import(path.join(lib, 'auto-commit-fix.ts'))).fixKafkajsAutoCommit();
  }
  const { Kafka, logLevel } = require('kafkajs');
  // The platform's settings (libs/platform/kafka): connection, retries, group timings.
  const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, connectionTimeout: 3000, requestTimeout: 10000, retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 3000 } });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: wait, heartbeatInterval: 1000, sessionTimeout: 10000, rebalanceTimeout: 20000, retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 3000 } });
  // A consumer kafkajs gives up on is started again, as the platform's consumer watch does.
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) setTimeout(() => consumer.connect().then(() => consumer.run(runOptions)).catch(() => undefined), 1000);
  });
  let runOptions;
  return {
    async connect(onMessage) {
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: false });
      const joined = new Promise((r) => consumer.on(consumer.events.GROUP_JOIN, r));
      // Offsets committed every 500 ms, as the platform's transport does (and as platformatic's autocommit: 500).
      runOptions = { partitionsConsumedConcurrently: 4, autoCommitInterval: 500, eachMessage: async ({ message }) => onMessage(message.value.toString()) };
      await consumer.run(runOptions);
      await joined;
    },
    send: (key, value) => producer.send({ topic, acks: -1, messages: [{ key, value }] }),
    async close() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}

async function platformaticClient(port, topic, group) {
  const { Producer, Consumer, stringSerializers, stringDeserializers } = require('@platformatic/kafka');
  const brokers = [`127.0.0.1:${port}`];
  const producer = new Producer({ clientId: `${group}-p`, bootstrapBrokers: brokers, serializers: stringSerializers, idempotent: true, acks: -1, timeout: 10000, retries: 8, retryDelay: 250 });
  const consumer = new Consumer({ clientId: `${group}-c`, groupId: group, bootstrapBrokers: brokers, deserializers: stringDeserializers, maxWaitTime: wait, heartbeatInterval: 1000, sessionTimeout: 10000, rebalanceTimeout: 20000, timeout: 10000, retries: true, retryDelay: 250 });
  let stream;
  return {
    async connect(onMessage) {
      const joined = new Promise((r) => consumer.once('consumer:group:join', r));
      stream = await consumer.consume({ topics: [topic], mode: 'latest', autocommit: 500 });
      stream.on('data', (m) => onMessage(m.value));
      stream.on('error', (err) => process.stderr.write(`platformatic stream: ${err.message}\n`));
      await joined;
    },
    send: (key, value) => producer.send({ messages: [{ topic, key, value }] }),
    async close() {
      await stream?.close();
      await consumer.close(true);
      await producer.close();
    },
  };
}

async function child() {
  const name = values.child;
  const port = Number(values.port);
  const group = `${values.topic}-${name}`;
  const client = name === 'platformatic' ? await platformaticClient(port, values.topic, group) : await kafkajsClient(port, values.topic, group, name === 'kafkajs-fixed');
  let onArrive = () => undefined;
  const consumed = [];
  const steady = { seen: new Map(), lastPerKey: new Map(), outOfOrder: 0, lastAt: 0, longestGap: 0 };
  await client.connect((value) => {
    const [kind, t0, n] = value.split(':');
    if (kind === 'hop') consumed.push(performance.now() + performance.timeOrigin - Number(t0));
    if (kind === 'steady') {
      const i = Number(n);
      const now = performance.now();
      if (steady.lastAt) steady.longestGap = Math.max(steady.longestGap, now - steady.lastAt);
      steady.lastAt = now;
      const times = (steady.seen.get(i) ?? 0) + 1;
      steady.seen.set(i, times);
      // Order per key among first sightings: a redelivered message is counted as duplicated only.
      const key = i % 16;
      if (times === 1) {
        if ((steady.lastPerKey.get(key) ?? -1) > i) steady.outOfOrder++;
        steady.lastPerKey.set(key, i);
      }
    }
    onArrive();
  });
  await sleep(2000); // the group settles
  // warm-up: both paths have run before anything is timed
  for (let i = 0; i < 20; i++) {
    const got = new Promise((r) => (onArrive = r));
    await client.send(`w${i}`, `warm:0`);
    await Promise.race([got, sleep(5000)]);
  }
  const produced = [];
  for (let i = 0; i < count; i++) {
    const got = new Promise((r) => (onArrive = r));
    const t0 = performance.now();
    await client.send(`k${i}`, `hop:${t0 + performance.timeOrigin}`);
    produced.push(performance.now() - t0);
    await Promise.race([got, sleep(5000)]);
  }
  // flood: one message per send, `inflight` sends outstanding, until all are consumed
  let received = 0;
  const all = new Promise((r) => (onArrive = () => ++received >= flood && r()));
  const cpu0 = cpuMs();
  const f0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next < flood) await client.send(`f${next % 1000}`, `flood:${next++}`);
    }),
  );
  await Promise.race([all, sleep(60_000)]);
  const floodMs = performance.now() - f0;
  const floodCpu = cpuMs() - cpu0;
  onArrive = () => undefined;
  await sleep(1000);
  const idle0 = cpuMs();
  await sleep(idleSeconds * 1000);
  const idleCpu = cpuMs() - idle0;
  const faults = {};
  for (const [fault, seconds] of [['outage', outageSeconds], ['pause', pauseSeconds]]) {
    if (!seconds) continue;
    // 20 messages/s over 16 keys; the parent breaks something 3 s in and mends it `seconds` later.
    steady.seen.clear();
    steady.lastPerKey.clear();
    steady.lastAt = 0;
    steady.longestGap = 0;
    steady.outOfOrder = 0;
    const acked = new Set();
    let failed = 0;
    let sent = 0;
    const base = fault === 'outage' ? 0 : 1_000_000;
    process.stdout.write(`fault ${fault}\n`);
    const until = performance.now() + (seconds + 15) * 1000;
    const sends = [];
    for (let i = 0; performance.now() < until; i++) {
      const n = base + i;
      sent++;
      sends.push(
        Promise.race([client.send(`s${n % 16}`, `steady:0:${n}`), sleep(30_000).then(() => Promise.reject(new Error('send timed out')))]).then(
          () => acked.add(n),
          () => failed++,
        ),
      );
      await sleep(50);
    }
    await Promise.all(sends);
    // drain: every acked message consumed, or 30 s
    for (let t = 0; t < 300 && [...acked].some((n) => !steady.seen.has(n)); t++) await sleep(100);
    const seen = steady.seen;
    faults[fault] = {
      seconds,
      sent,
      acked: acked.size,
      failed,
      lost: [...acked].filter((n) => !seen.has(n)).length,
      duplicated: [...seen.values()].filter((c) => c > 1).length,
      outOfOrder: steady.outOfOrder,
      longestGapS: steady.longestGap / 1000,
    };
  }
  await client.close();
  process.stdout.write(
    JSON.stringify({
      faults,
      client: name,
      produce: { p50: q(produced, 0.5), p99: q(produced, 0.99) },
      hop: { n: consumed.length, p50: q(consumed, 0.5), p99: q(consumed, 0.99) },
      flood: { sent: flood, received, perSecond: (received / floodMs) * 1000, cpuUsPerMessage: (floodCpu * 1000) / flood },
      idle: { seconds: idleSeconds, cpuPercent: (idleCpu / (idleSeconds * 1000)) * 100 },
    }) + '\n',
  );
}

async function parent() {
  const { startKafka } = await import('../../scripts/infra/kafka.mjs');
  const { freePort } = await import('../../scripts/lib/util.mjs');
  const dir = path.join(os.tmpdir(), `kafka-clients-${process.pid}`);
  const port = await freePort();
  const controllerPort = await freePort();
  let broker = await startKafka({ port, controllerPort, dataDir: dir, logDir: path.join(dir, 'logs') });
  const { Kafka, logLevel } = require('kafkajs');
  const rows = [];
  const faultsRunning = [];
  // 3 s into the child's steady sending: stop the broker (or the child) and mend it `seconds` later.
  const breakAndMend = async (fault, child) => {
    await sleep(3000);
    if (fault === 'outage') {
      await broker.stop();
      await sleep(outageSeconds * 1000);
      broker = await startKafka({ port, controllerPort, dataDir: dir, logDir: path.join(dir, 'logs') });
    } else {
      child.kill('SIGSTOP');
      await sleep(pauseSeconds * 1000);
      child.kill('SIGCONT');
    }
  };
  try {
    const rounds = Math.min(Number(values.rounds), 5);
    for (let round = 0; round < rounds; round++) {
      for (const name of values.clients.split(',')) {
        const topic = `probe-${round}-${name}`;
        // A new admin each time: the broker before may have been stopped and started again.
        const admin = new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING }).admin();
        await admin.connect();
        await admin.createTopics({ topics: [{ topic, numPartitions: 8 }], waitForLeaders: true });
        await admin.disconnect();
        const out = await new Promise((resolve, reject) => {
          const args = ['--disable-warning=MODULE_TYPELESS_PACKAGE_JSON', fileURLToPath(import.meta.url), '--child', name, '--port', String(port), '--topic', topic, '--count', String(count), '--flood', String(flood), '--inflight', String(inflight), '--wait', String(wait), '--idle-seconds', String(idleSeconds)];
          args.push('--outage-seconds', String(outageSeconds), '--pause-seconds', String(pauseSeconds));
          const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
          let text = '';
          const timer = setTimeout(() => p.kill('SIGKILL'), 600_000);
          p.stdout.on('data', (d) => {
            text += d;
            for (const fault of ['outage', 'pause']) {
              if (!text.includes(`fault ${fault}\n`)) continue;
              text = text.replace(`fault ${fault}\n`, '');
              faultsRunning.push(breakAndMend(fault, p));
            }
          });
          p.on('exit', (code) => {
            clearTimeout(timer);
            if (code === 0) resolve(JSON.parse(text.trim().split('\n').pop()));
            else reject(new Error(`${name} exited ${code}`));
          });
        });
        await Promise.all(faultsRunning.splice(0));
        rows.push(out);
        const f = (v) => v.toFixed(2);
        console.log(
          `${name.padEnd(14)} produce p50 ${f(out.produce.p50)} p99 ${f(out.produce.p99)} ms | hop p50 ${f(out.hop.p50)} p99 ${f(out.hop.p99)} ms (${out.hop.n}/${count}) | ` +
            `flood ${Math.round(out.flood.perSecond)} msg/s, ${Math.round(out.flood.cpuUsPerMessage)} µs CPU/msg (${out.flood.received}/${flood}) | idle ${f(out.idle.cpuPercent)} % of a core`,
        );
        for (const [fault, r] of Object.entries(out.faults)) {
          console.log(`${''.padEnd(14)} ${fault} ${r.seconds} s: sent ${r.sent}, acked ${r.acked}, failed ${r.failed}, lost ${r.lost}, duplicated ${r.duplicated}, out of order ${r.outOfOrder}, longest gap ${f(r.longestGapS)} s`);
        }
      }
    }
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(JSON.stringify({ load: os.loadavg(), wait, count, flood, inflight, rows }));
}

if (values.child) await child();
else await parent();
