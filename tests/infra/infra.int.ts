// The local launcher starts a real Kafka broker, FerretDB and SeaweedFS, kafkajs 2.2.4
// works with that exact broker (KIP-896 removed old protocol versions in
// Kafka 4), and stopping leaves no process behind.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client, CreateBucketCommand } from '@aws-sdk/client-s3';
// The launcher is plain ESM; the integration Jest config transforms it.
import { freePort, portInUse, startInfra, KAFKA_VERSION, type Infra } from '../../scripts/infra/index.mjs';

const root = path.resolve(__dirname, '..', '..');
const dataDir = path.join(root, '.data', `infra-test-${process.pid}`);
const logDir = path.join(root, '.logs', 'infra-test');

let infra: Infra;
let ports: { kafka: number; controller: number; mongo: number; s3: number };

beforeAll(async () => {
  // SeaweedFS takes its S3 port and the next 7: a block away from the usual ones.
  ports = { kafka: await freePort(), controller: await freePort(), mongo: await freePort(), s3: 41000 + (process.pid % 500) * 10 };
  // Its own ports and folders, and explicitly not KAFKA_BROKERS/MONGO_URL from the harness.
  infra = await startInfra({
    profile: 'infra-test',
    kafkaPort: ports.kafka,
    controllerPort: ports.controller,
    mongoPort: ports.mongo,
    s3Port: ports.s3,
    dataDir,
    logDir,
    kafkaBrokers: undefined,
    mongoUrl: undefined,
    s3: undefined,
  });
}, 300_000);

afterAll(async () => {
  await infra?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

function kafkaClient() {
  return new Kafka({ clientId: 'infra-test', brokers: infra.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
}

/** Consumes until `count` messages arrived, then returns their values (the consumer keeps running). */
async function consumeN(consumer: Consumer, topic: string, count: number, timeoutMs = 30_000): Promise<string[]> {
  const got: string[] = [];
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length}/${count} messages in ${timeoutMs} ms`)), timeoutMs);
    void consumer.run({
      eachMessage: async ({ message }) => {
        got.push(message.value?.toString() ?? '');
        if (got.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  return got;
}

describe(`launcher with Kafka ${KAFKA_VERSION} and FerretDB`, () => {
  it('starts both on their own loopback ports', async () => {
    expect(infra.kafkaBrokers).toBe(`127.0.0.1:${ports.kafka}`);
    expect(infra.mongoUrl).toBe(`mongodb://127.0.0.1:${ports.mongo}/`);
    expect(await portInUse(ports.kafka)).toBe(true);
    expect(await portInUse(ports.mongo)).toBe(true);
  });

  it('kafkajs creates a topic, produces idempotently, consumes in a group, and a restarted consumer resumes after the committed offset, also across a broker restart', async () => {
    const kafka = kafkaClient();
    const topic = `infra-test.roundtrip.${process.pid}`;
    const groupId = `infra-test-group-${process.pid}`;
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true })).toBe(true);
    expect(await admin.listTopics()).toContain(topic);

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const first = Array.from({ length: 6 }, (_, i) => `first-${i}`);
    await producer.send({ topic, acks: -1, messages: first.map((value, i) => ({ key: `k${i % 3}`, value })) });

    const c1 = kafka.consumer({ groupId });
    await c1.connect();
    expect((await consumeN(c1, topic, first.length)).sort()).toEqual([...first].sort());
    // kafkajs commits after each batch's handler returned: wait for the last one.
    const committedTotal = async () =>
      (await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions.reduce(
        (sum, p) => sum + Math.max(0, Number(p.offset)),
        0,
      );
    const deadline = Date.now() + 15_000;
    while ((await committedTotal()) < first.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await committedTotal()).toBe(first.length);
    await c1.disconnect(); // leaves the group
    await producer.disconnect();
    await admin.disconnect();

    // The committed offsets live in the broker's __consumer_offsets: they survive its restart.
    await infra.kafka!.stop();
    expect(await portInUse(ports.kafka)).toBe(false);
    await infra.kafka!.start();

    const producer2 = kafkaClient().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer2.connect();
    const second = ['second-0', 'second-1', 'second-2'];
    await producer2.send({ topic, acks: -1, messages: second.map((value, i) => ({ key: `k${i}`, value })) });
    await producer2.disconnect();

    const c2 = kafkaClient().consumer({ groupId });
    await c2.connect();
    const resumed = await consumeN(c2, topic, second.length);
    // Nothing of the first batch is delivered again, and nothing more arrives.
    await new Promise((r) => setTimeout(r, 2000));
    await c2.disconnect();
    expect(resumed.sort()).toEqual(second);
  }, 180_000);

  it('FerretDB stores a document, enforces a unique index and keeps the data across a restart', async () => {
    const client = new MongoClient(infra.mongoUrl, { serverSelectionTimeoutMS: 5000 });
    await client.connect();
    const col = client.db('infra_test').collection<{ _id: string; name: string; n: number }>('docs');
    await col.createIndex({ name: 1 }, { unique: true });
    await col.insertOne({ _id: 'a', name: 'alice', n: 1 });
    await col.updateOne({ _id: 'a' }, { $inc: { n: 1 } });
    expect(await col.findOne({ _id: 'a' })).toEqual({ _id: 'a', name: 'alice', n: 2 });
    await expect(col.insertOne({ _id: 'b', name: 'alice', n: 0 })).rejects.toMatchObject({ code: 11000 });
    await client.close();

    await infra.ferretdb!.stop();
    expect(await portInUse(ports.mongo)).toBe(false);
    await infra.ferretdb!.start();
    const again = new MongoClient(infra.mongoUrl, { serverSelectionTimeoutMS: 5000 });
    await again.connect();
    expect(await again.db('infra_test').collection('docs').findOne({ _id: 'a' as never })).toMatchObject({ n: 2 });
    await again.close();
  }, 60_000);

  it('SeaweedFS serves the S3 API with the access key it was given, and refuses anonymous requests', async () => {
    expect(infra.s3.endpoint).toBe(`http://127.0.0.1:${ports.s3}`);
    const s3 = new S3Client({ endpoint: infra.s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: infra.s3.accessKeyId, secretAccessKey: infra.s3.secretAccessKey } });
    const Bucket = `infra-test-${process.pid}`;
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'a/b.txt', Body: 'hello', ContentType: 'text/plain' }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket, Key: 'a/b.txt' }))).Body!.transformToString()).toBe('hello');
    expect((await fetch(`${infra.s3.endpoint}/${Bucket}/a/b.txt`)).status).toBe(403);
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'a/b.txt' }));
    await expect(s3.send(new GetObjectCommand({ Bucket, Key: 'a/b.txt' }))).rejects.toThrow();
    s3.destroy();
  });

  it('stop() leaves no process and frees the ports', async () => {
    const pids = [infra.kafka!.pid, infra.ferretdb!.pid, infra.seaweedfs!.pid];
    await infra.stop();
    for (const pid of pids) expect(() => process.kill(pid!, 0)).toThrow();
    expect(await portInUse(ports.kafka)).toBe(false);
    expect(await portInUse(ports.controller)).toBe(false);
    expect(await portInUse(ports.mongo)).toBe(false);
    expect(await portInUse(ports.s3)).toBe(false);
    // No process anywhere still refers to this test's data folder.
    const leftovers = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dataDir);
        } catch {
          return false;
        }
      });
    expect(leftovers).toEqual([]);
  }, 60_000);
});
