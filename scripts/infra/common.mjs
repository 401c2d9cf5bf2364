// What the Kafka and FerretDB launchers share: pid files that let a later run
// clean up after a launcher that was killed, and port checks with a clear message.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cmdline, killGroup, pidAlive, spawnManaged } from '../lib/proc.mjs';
import { portInUse, say, seconds, tail, waitUntil } from '../lib/util.mjs';

/**
 * Before starting a server whose data lives in `dataDir`: if the pid file
 * names a live process of ours that belongs to a launcher that is gone, stop
 * it; if that launcher is still alive, refuse (two servers on one data folder
 * would corrupt it).
 */
export async function reclaim(tag, pidFile, marker) {
  let info;
  try {
    info = JSON.parse(readFileSync(pidFile, 'utf8'));
  } catch {
    return;
  }
  if (info.pid && pidAlive(info.pid) && cmdline(info.pid).includes(marker)) {
    if (info.owner && info.owner !== process.pid && pidAlive(info.owner)) {
      throw new Error(
        `${tag} is already running on this data folder (pid ${info.pid}, launched by pid ${info.owner}). ` +
          `Stop that one, or use another data folder (CHAT_DATA_DIR) and ports.`,
      );
    }
    say(tag, `stopping a leftover ${tag} process from an earlier run (pid ${info.pid})`);
    await killGroup(info.pid, { graceMs: 10000 });
  }
  rmSync(pidFile, { force: true });
}

export function writePidFile(pidFile, pid) {
  writeFileSync(pidFile, JSON.stringify({ pid, owner: process.pid, at: new Date().toISOString() }) + '\n');
}

export async function ensurePortFree(tag, port, hint) {
  if (await portInUse(port)) {
    throw new Error(`${tag}: port ${port} on 127.0.0.1 is already in use. ${hint}`);
  }
}

/**
 * A server the launcher runs as one process, with the handle fault tests use:
 * start() (reclaiming a leftover of a killed launcher, checking `ports` are
 * free, then waiting for `ready`), stop() and kill(). `fields` are merged into
 * the handle (its url, ports…). Resolves to the handle once the server is ready.
 */
export async function startServer({ name, label = name, cmd, args, env = process.env, marker, pidFile, logFile, ports, portHint, ready, readyTimeoutMs, fields = {}, readyMessage }) {
  const handle = {
    name,
    logFile,
    process: null,
    ...fields,
    get pid() {
      return handle.process?.pid;
    },
    async start() {
      if (handle.process?.alive()) return handle;
      await reclaim(name, pidFile, marker);
      for (const port of ports) await ensurePortFree(name, port, portHint);
      const started = Date.now();
      const proc = spawnManaged({ name, cmd, args, env, logFile });
      handle.process = proc;
      writePidFile(pidFile, proc.pid);
      proc.exited.then(() => {
        if (handle.process === proc) rmSync(pidFile, { force: true });
      });
      try {
        await waitUntil(ready, { timeoutMs: readyTimeoutMs, intervalMs: 300, what: `${label} on 127.0.0.1:${ports[0]}`, alive: () => proc.alive() });
      } catch (err) {
        await proc.stop({ graceMs: 5000 });
        throw new Error(`${err.message}\nlast lines of ${logFile}:\n${tail(logFile, 25)}`);
      }
      say(name, `${readyMessage} in ${seconds(Date.now() - started)} (log: ${path.relative(process.cwd(), logFile)})`);
      return handle;
    },
    async stop({ graceMs = 10000 } = {}) {
      if (!handle.process) return;
      await handle.process.stop({ graceMs });
      rmSync(pidFile, { force: true });
    },
    async kill() {
      if (!handle.process) return;
      await handle.process.kill();
      rmSync(pidFile, { force: true });
    },
  };
  await handle.start();
  return handle;
}
