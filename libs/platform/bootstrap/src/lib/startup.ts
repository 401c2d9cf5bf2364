import { setTimeout as sleep } from 'node:timers/promises';
import { isTransient, refusedPrincipal } from '@chat/platform-kafka';

/** A line in the shape of the services' pino logs, for start-up before (or without) the Nest logger. */
export function startupLine(level: 'info' | 'warn' | 'error', msg: string, extra: Record<string, unknown> = {}): void {
  const levels = { info: 30, warn: 40, error: 50 };
  const line = { level: levels[level], time: Date.now(), pid: process.pid, instance: process.env['INSTANCE_ID'], context: 'Startup', ...extra, msg };
  (level === 'info' ? process.stdout : process.stderr).write(JSON.stringify(line) + '\n');
}

/** Milliseconds from an environment variable, or the default when unset or not a positive number. */
export function envMs(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

export class StartupTimeoutError extends Error {
  constructor(
    readonly step: string,
    readonly ms: number,
  ) {
    super(`start-up step "${step}" did not finish within ${Math.round(ms / 1000)} s`);
    this.name = 'StartupTimeoutError';
  }
}

export interface StepOptions {
  timeoutMs: number;
  /** Called every `everyMs` while the step runs, with the time so far. */
  progress?: (elapsedMs: number) => void;
  everyMs?: number;
}

/**
 * Runs one start-up step with a bound: rejects with StartupTimeoutError (naming the step) when
 * it takes longer than `timeoutMs`, and reports progress while it waits, so a dependency that
 * never answers is a clear error in the log instead of a silent process that a probe kills.
 */
export async function startupStep<T>(step: string, work: () => Promise<T>, { timeoutMs, progress, everyMs = 15_000 }: StepOptions): Promise<T> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const ticker = progress ? setInterval(() => progress(Date.now() - started), everyMs) : undefined;
  ticker?.unref();
  try {
    return await Promise.race([
      work(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StartupTimeoutError(step, timeoutMs)), timeoutMs);
        timer.unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
    clearInterval(ticker);
  }
}

/**
 * Tries `connect` until it succeeds. While Kafka refuses the principal (refusedPrincipal) or is
 * not reachable yet (isTransient: a broker starting or restarting beside the service, after
 * kafkajs's own retries), waits `retryMs` and tries again, saying which, for at most `waitMs` in
 * all. Any other failure, or one that outlasts `waitMs`, is thrown.
 */
export async function untilKafkaAccepts(connect: () => Promise<void>, { waitMs, retryMs = 5000, say }: { waitMs: number; retryMs?: number; say: (msg: string) => void }): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await connect();
      if (attempt > 1) say(`connected to Kafka on attempt ${attempt}`);
      return;
    } catch (err) {
      const refused = refusedPrincipal(err);
      if (!(refused || isTransient(err)) || Date.now() + retryMs > deadline) throw err;
      const left = Math.round((deadline - Date.now()) / 1000);
      const why = refused
        ? `Kafka refused this service's principal (${(err as Error).message}): its user or ACLs may not exist yet (the broker's principals sidecar makes them on a first install)`
        : `Kafka is not reachable yet (${(err as Error).message}${(err as { cause?: Error }).cause ? `: ${(err as { cause?: Error }).cause!.message}` : ''})`;
      say(`${why}; trying again in ${retryMs / 1000} s, for ${left} s more (attempt ${attempt})`);
      await sleep(retryMs);
    }
  }
}
