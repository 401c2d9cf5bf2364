#!/usr/bin/env node
// What each database operation of the hot path costs FerretDB (the embedded
// default), apart from the services: wall time per operation and FerretDB's
// own CPU per operation (from /proc), `--count` (1000) of each, against a
// FerretDB of its own on loopback (scripts/infra), which it stops at the end.
//
//   node bench/probes/ferretdb-ops.mjs [--count 1000]
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startFerretDB } from '../../scripts/infra/ferretdb.mjs';
import { freePort, repoRoot } from '../../scripts/lib/util.mjs';

const { values } = parseArgs({ options: { count: { type: 'string', default: '1000' } } });
const N = Math.min(Number(values.count), 20_000);
const { MongoClient } = createRequire(path.join(repoRoot, 'package.json'))('mongodb');

const dir = path.join(os.tmpdir(), `ferretdb-ops-${process.pid}`);
const port = await freePort();
const db = await startFerretDB({ port, dataDir: dir, logDir: path.join(dir, 'logs') });
const pid = db.pid;
const cpuMs = () => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * (1000 / 100);
};
const client = await MongoClient.connect(db.url, { maxPoolSize: 20 });
try {
  const d = client.db('probe');
  const messages = d.collection('messages');
  await messages.createIndex({ conversationId: 1, senderId: 1, clientMsgId: 1 }, { unique: true });
  const timelines = d.collection('timelines');
  const conv = 'c'.repeat(24);
  const doc = (i, c = conv) => ({ _id: `${c}-${i}`, conversationId: c, seq: i, senderId: 'u1', text: `probe ${i}`, clientMsgId: `m${i}`, createdAt: new Date(), editedAt: null, deletedAt: null });
  await timelines.insertOne({ _id: conv, lastSeq: 0, sent: {}, reads: {}, lastMessage: null });
  const measure = async (name, op, concurrency = 1) => {
    const c0 = cpuMs();
    const t0 = performance.now();
    let i = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (i < N) await op(i++);
    }));
    const wall = (performance.now() - t0) / N;
    const cpu = (cpuMs() - c0) / N;
    console.log(`${name.padEnd(52)} ${wall.toFixed(2).padStart(7)} ms wall ${cpu.toFixed(2).padStart(7)} ms FerretDB CPU`);
  };
  console.log(`per operation, ${N} each, collection growing to ${N} messages:`);
  await measure('insertOne message (2 unique indexes)', (i) => messages.insertOne(doc(i + 1)));
  // The messages collection as messaging declares it (store.schema.ts): the unique index, history's
  // (conversationId, seq) and search's multikey (conversationId, words), with a message's words.
  const full = d.collection('messages_full');
  await full.createIndex({ conversationId: 1, senderId: 1, clientMsgId: 1 }, { unique: true });
  await full.createIndex({ conversationId: 1, seq: 1 });
  await full.createIndex({ conversationId: 1, words: 1 });
  const words = ['probe', 'message', 'with', 'some', 'ordinary', 'words', 'in', 'it'];
  const fullDoc = (i, c = conv) => ({ ...doc(i, c), text: `probe message ${i} with some ordinary words in it`, replyTo: null, mentions: [], reactions: [], attachments: [], words: [...words, `${i}`] });
  await measure('insertOne message (all 4 of messaging\'s indexes, 9 words)', (i) => full.insertOne(fullDoc(i + 1)));
  await measure('insertMany 10 (all 4 indexes; per message)', async (i) => {
    if (i % 10 === 0) await full.insertMany(Array.from({ length: 10 }, (_, k) => fullDoc(i + k + 1, 'b'.repeat(24))), { ordered: false });
  });
  await measure('updateOne timeline by _id ($set lastSeq, lastMessage)', (i) => timelines.updateOne({ _id: conv }, { $set: { lastSeq: i, lastMessage: doc(i) } }));
  await measure('findOne message by _id', (i) => messages.findOne({ _id: `${conv}-${(i % N) + 1}` }));
  await measure('insertMany 10 messages (per message)', async (i) => {
    if (i % 10 === 0) await messages.insertMany(Array.from({ length: 10 }, (_, k) => doc(i + k + 1, 'b'.repeat(24))));
  });
  const scanN = Math.min(N, 100);
  const c0 = cpuMs();
  const t0 = performance.now();
  for (let i = 0; i < scanN; i++) await messages.findOne({ conversationId: conv, seq: i + 1 });
  console.log(`${'findOne message by conversationId+seq (not pushed down)'.padEnd(52)} ${((performance.now() - t0) / scanN).toFixed(2).padStart(7)} ms wall ${((cpuMs() - c0) / scanN).toFixed(2).padStart(7)} ms FerretDB CPU`);
} finally {
  await client.close();
  await db.stop();
  rmSync(dir, { recursive: true, force: true });
}
