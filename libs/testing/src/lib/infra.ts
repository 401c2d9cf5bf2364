import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';

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
