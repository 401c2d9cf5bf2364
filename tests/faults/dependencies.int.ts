import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { ChatLoad, startPlatform, type LoadReport, type Platform } from '@chat/testing';

const RESULTS = join(__dirname, '../../test-results');

/** Its own broker and FerretDB, which the test can stop and start. */
class Infra {
  private child!: ChildProcess;
  private lines!: Interface;
  private readonly waiting: ((line: string) => void)[] = [];
  kafkaBrokers = '';
  mongoUrl = '';

  async start(): Promise<void> {
    this.child = spawn(process.execPath, [join(__dirname, 'infra-control.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = createInterface({ input: this.child.stdout! });
    this.lines.on('line', (line) => this.waiting.shift()?.(line));
    const first = JSON.parse(await this.next(300_000)) as { kafkaBrokers: string; mongoUrl: string };
    this.kafkaBrokers = first.kafkaBrokers;
    this.mongoUrl = first.mongoUrl;
  }

  private next(timeoutMs = 120_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('infra control did not answer')), timeoutMs);
      this.waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  }

  async command(cmd: string): Promise<void> {
    const answer = this.next();
    this.child.stdin!.write(`${cmd}\n`);
    const line = await answer;
    if (!line.startsWith('ok')) throw new Error(line);
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin!.end();
    await exited;
  }
}

async function health(url: string): Promise<number> {
  try {
    return (await fetch(url)).status;
  } catch {
    return 0;
  }
}

describe('faults: the broker or the database away for 20 s', () => {
  const infra = new Infra();
  let platform: Platform;
  const saved = { kafka: process.env['KAFKA_BROKERS'], mongo: process.env['MONGO_URL'] };

  beforeAll(async () => {
    await infra.start();
    process.env['KAFKA_BROKERS'] = infra.kafkaBrokers;
    process.env['MONGO_URL'] = infra.mongoUrl;
    platform = await startPlatform({ env: { RATE_LIMITS: 'off', REQUEST_TIMEOUT_MS: '4000' } });
  }, 600_000);

  afterAll(async () => {
    await platform?.stop();
    await infra.stop();
    process.env['KAFKA_BROKERS'] = saved.kafka;
    process.env['MONGO_URL'] = saved.mongo;
  });

  for (const dependency of ['ferretdb', 'kafka'] as const) {
    it(`${dependency} stopped for 20 s mid-load: health turns 503 then 200 by itself, and every acked message is stored once and heard`, async () => {
      const load = new ChatLoad({ urls: () => platform.urls, messagesPerSender: 100, intervalMs: 50, ackTimeoutMs: 3000, deadlineMs: 180_000 });
      await load.setup();
      const running = load.run();
      await sleep(1000);
      await infra.command(`stop ${dependency}`);
      const stoppedAt = Date.now();
      const messagingHealth = `http://127.0.0.1:${platform.proc('messaging').port}/health`;
      let sawDown = false;
      while (Date.now() - stoppedAt < 20_000) {
        if ((await health(messagingHealth)) === 503) sawDown = true;
        await sleep(1000);
      }
      await infra.command(`start ${dependency}`);
      const restartedAt = Date.now();
      let recoveredMs = -1;
      while (Date.now() - restartedAt < 60_000) {
        if ((await health(messagingHealth)) === 200) {
          recoveredMs = Date.now() - restartedAt;
          break;
        }
        await sleep(500);
      }
      await running;
      // Every process rode out the outage: none ended by itself (an unhandled failure would).
      expect(platform.crashes).toEqual([]);
      const report: LoadReport = await load.verify();
      load.close();
      mkdirSync(RESULTS, { recursive: true });
      const line = { scenario: `${dependency}-down-20s`, ...report, healthRecoveredMs: recoveredMs };
      appendFileSync(join(RESULTS, 'faults.jsonl'), `${JSON.stringify(line)}\n`);
      console.log(`[fault] ${JSON.stringify(line)}`);
      expect(sawDown).toBe(true);
      expect(recoveredMs).toBeGreaterThanOrEqual(0);
      expect(report.acked).toBe(report.sent);
      expect(report).toMatchObject({ lost: 0, duplicated: 0, seqContiguous: true, socketsMissing: 0, duplicatePushes: 0 });
    }, 400_000);
  }
});
