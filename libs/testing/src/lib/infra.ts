import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { startPlatform, type Platform, type PlatformOptions } from './platform';

const ROOT = resolve(__dirname, '../../../..');

/**
 * A Kafka broker and FerretDB of a test file's own (tests/faults/infra-control.mjs),
 * which the test can stop, SIGKILL and start again, and whose data folder it can read.
 */
export class OwnInfra {
  private child!: ChildProcess;
  private lines!: Interface;
  private readonly waiting: ((line: string) => void)[] = [];
  kafkaBrokers = '';
  mongoUrl = '';
  /** Where the broker and FerretDB keep their data (the broker's log segments are under it). */
  dataDir = '';

  async start(): Promise<void> {
    this.child = spawn(process.execPath, [join(ROOT, 'tests', 'faults', 'infra-control.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = createInterface({ input: this.child.stdout! });
    this.lines.on('line', (line) => this.waiting.shift()?.(line));
    const first = JSON.parse(await this.next(300_000)) as { kafkaBrokers: string; mongoUrl: string; dataDir: string };
    this.kafkaBrokers = first.kafkaBrokers;
    this.mongoUrl = first.mongoUrl;
    this.dataDir = first.dataDir;
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

  /** `stop kafka`, `kill ferretdb`, `start kafka`…: resolves once done. */
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

/**
 * A platform on a broker and FerretDB of its own: for tests that take either away,
 * or read the broker's files. The platform's processes (and restarts) use the own
 * infrastructure; stop() ends both and gives the harness's back to the rest of the run.
 */
export async function startPlatformOnOwnInfra(opts: PlatformOptions = {}): Promise<{ infra: OwnInfra; platform: Platform; stop(): Promise<void> }> {
  const infra = new OwnInfra();
  const saved = { kafka: process.env['KAFKA_BROKERS'], mongo: process.env['MONGO_URL'] };
  await infra.start();
  process.env['KAFKA_BROKERS'] = infra.kafkaBrokers;
  process.env['MONGO_URL'] = infra.mongoUrl;
  let platform: Platform | undefined;
  const stop = async () => {
    await platform?.stop();
    await infra.stop();
    process.env['KAFKA_BROKERS'] = saved.kafka;
    process.env['MONGO_URL'] = saved.mongo;
  };
  try {
    platform = await startPlatform(opts);
  } catch (err) {
    await stop();
    throw err;
  }
  return { infra, platform, stop };
}
