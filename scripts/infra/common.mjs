// What the Kafka and FerretDB launchers share: pid files that let a later run
// clean up after a launcher that was killed, and port checks with a clear message.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cmdline, killGroup, pidAlive } from '../lib/proc.mjs';
import { portInUse, say } from '../lib/util.mjs';

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
