// Small helpers shared by the launcher (scripts/infra), `npm start` and `npm test`.
// Plain Node ESM: node built-ins only, so they run before anything is built.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is scripts/lib/util.mjs). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Resolves a path against the repository root unless it is already absolute. */
export function fromRoot(p) {
  return path.isAbsolute(p) ? p : path.join(repoRoot, p);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One progress line on stderr, prefixed with its source: `[kafka] ...`. */
export function say(tag, message) {
  process.stderr.write(`[${tag}] ${message}\n`);
}

export function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Calls `probe` until it returns a truthy value or the time runs out.
 * `alive` (optional) aborts early, e.g. when the process being waited for died.
 */
export async function waitUntil(probe, { timeoutMs, intervalMs = 500, what, alive }) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const result = await probe();
      if (result) return result;
    } catch (err) {
      lastError = err;
    }
    if (alive && !alive()) throw new Error(`${what}: the process exited before it was ready`);
    if (Date.now() > deadline) {
      const detail = lastError ? ` (last error: ${lastError.message ?? lastError})` : '';
      throw new Error(`${what}: not ready after ${seconds(timeoutMs)}${detail}`);
    }
    await sleep(intervalMs);
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portInUse(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Whether this process could bind 127.0.0.1:port right now. */
export function portBindable(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the kernel reports free on 127.0.0.1 (there is a small race until it is used). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The port if it is free, otherwise a free one. */
export async function preferredPort(port) {
  return (await portBindable(port)) ? port : freePort();
}

// Commands run to completion (builds, Maven, Go) are in our process group, so a
// Ctrl-C reaches them too; on any other way out they get a SIGTERM from here.
const running = new Set();
process.once('exit', () => {
  for (const child of running) {
    try {
      child.kill('SIGTERM');
    } catch {
      /* gone */
    }
  }
});

/**
 * Runs a command to completion and returns { code, stdout, stderr }. With
 * `onLine`, each output line is passed on as it arrives.
 */
export function run(cmd, args, { cwd = repoRoot, env = process.env, onLine } = {}) {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ code: -1, stdout: '', stderr: String(err), error: err });
      return;
    }
    running.add(child);
    child.once('close', () => running.delete(child));
    let stdout = '';
    let stderr = '';
    const split = (sink) => {
      let rest = '';
      return (chunk) => {
        const text = chunk.toString();
        sink(text);
        if (!onLine) return;
        rest += text;
        const lines = rest.split('\n');
        rest = lines.pop();
        for (const line of lines) onLine(line);
      };
    };
    child.stdout.on('data', split((t) => (stdout += t)));
    child.stderr.on('data', split((t) => (stderr += t)));
    child.once('error', (err) => resolve({ code: -1, stdout, stderr: stderr + String(err), error: err }));
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), signal, stdout, stderr }));
  });
}

/** The absolute path of an executable on PATH, or null. */
export function which(cmd) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, cmd);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** The last `lines` lines of a text file ('' when it does not exist). */
export function tail(file, lines = 30) {
  try {
    const text = readFileSync(file, 'utf8');
    return text.split('\n').slice(-lines - 1).join('\n');
  } catch {
    return '';
  }
}

/** Integer from an environment variable, or undefined when unset/empty. */
export function envInt(name) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a port number, got "${raw}"`);
  return n;
}

/**
 * kafkajs 2.2.4 schedules a timer with a negative delay on newer Node, which
 * prints a TimeoutNegativeWarning (harmless: Node uses 1 ms). The launcher's
 * entry points drop that one warning so it does not look like a failure.
 */
export function quietKnownWarnings() {
  const original = process.emitWarning;
  process.emitWarning = function (warning, ...rest) {
    const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
    if (type === 'TimeoutNegativeWarning' || warning?.name === 'TimeoutNegativeWarning') return;
    return original.call(this, warning, ...rest);
  };
}
