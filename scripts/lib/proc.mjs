// Long-running children (broker, FerretDB, services) that never outlive us.
//
// Each child runs in its own process group (spawn `detached`), so a Ctrl-C in
// the terminal reaches only this process, which then stops the children in
// order: SIGTERM to the whole group, a grace period, then SIGKILL.
//
// If this process dies without cleaning up (SIGKILL, OOM killer), a tiny
// watchdog shell notices within a second that its parent is gone and does the
// same to every group listed in a registry file. Linux has no portable
// "kill my children when I die" from Node (prctl PDEATHSIG is not exposed),
// hence the watchdog. The watchdog lives only while there are children.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sleep } from './util.mjs';

const registryFile = path.join(
  os.tmpdir(),
  `chat-launcher-${process.pid}-${Math.random().toString(36).slice(2, 8)}.pgids`,
);
/** pgid -> name of every live child group started by this module instance. */
const groups = new Map();
let watchdog = null;

const WATCHDOG = `
trap '' INT HUP
parent=$1; reg=$2
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
if [ -s "$reg" ]; then
  for g in $(cat "$reg"); do kill -TERM -"$g" 2>/dev/null; done
  i=0
  while [ $i -lt 15 ]; do
    alive=0
    for g in $(cat "$reg"); do kill -0 -"$g" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 1; i=$((i+1))
  done
  for g in $(cat "$reg"); do kill -KILL -"$g" 2>/dev/null; done
fi
rm -f "$reg"
`;

function syncRegistry() {
  if (groups.size === 0) {
    rmSync(registryFile, { force: true });
    stopWatchdog();
    return;
  }
  writeFileSync(registryFile, [...groups.keys()].join('\n') + '\n');
  if (!watchdog) {
    watchdog = spawn('sh', ['-c', WATCHDOG, 'chat-watchdog', String(process.pid), registryFile], {
      detached: true,
      stdio: 'ignore',
    });
    watchdog.on('error', () => {});
    watchdog.unref();
  }
}

function stopWatchdog() {
  if (!watchdog) return;
  try {
    process.kill(-watchdog.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  watchdog = null;
}

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

// Last resort on any exit (including uncaught errors): nothing may survive us.
process.once('exit', () => {
  for (const pgid of groups.keys()) signalGroup(pgid, 'SIGKILL');
  groups.clear();
  rmSync(registryFile, { force: true });
  stopWatchdog();
});

/** Whether a pid is alive (and not a zombie). */
export function pidAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return err.code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

/** The command line of a pid (Linux), or ''. */
export function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** SIGTERM to a process group, up to `graceMs` to exit, then SIGKILL. */
export async function killGroup(pgid, { graceMs = 10000 } = {}) {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!signalGroup(pgid, 0)) return;
    await sleep(200);
  }
  signalGroup(pgid, 'SIGKILL');
  while (signalGroup(pgid, 0)) await sleep(100);
}

/**
 * Starts a long-running child in its own process group. Output goes to
 * `logFile` (appended) or, without one, to our stdout/stderr; `capture: true`
 * also keeps it, for output() to return. Returns a handle: { name, pid,
 * exited, alive(), output(), stop({ graceMs }), kill() }.
 */
export function spawnManaged({ name, cmd, args = [], env = process.env, cwd, logFile, capture = false }) {
  let child;
  let captured = '';
  if (logFile) {
    mkdirSync(path.dirname(logFile), { recursive: true });
    const fd = openSync(logFile, 'a');
    writeFileSync(fd, `\n=== ${new Date().toISOString()} start ${name}: ${cmd} ${args.join(' ')}\n`);
    try {
      child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
  } else if (capture) {
    child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => {
      captured += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      captured += d;
      process.stderr.write(d);
    });
  } else {
    child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'inherit', 'inherit'] });
  }
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.once('error', (err) => {
      exitInfo = { code: -1, signal: null, error: err };
      resolve(exitInfo);
    });
    const closed = new Promise((r) => child.once('close', r));
    child.once('exit', async (code, signal) => {
      // Captured output may still be in the pipes: give it a moment to drain.
      if (capture) await Promise.race([closed, sleep(2000)]);
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  }).then((info) => {
    if (child.pid) {
      // Reap stragglers of the group (none expected: we exec the program itself).
      signalGroup(child.pid, 'SIGKILL');
      groups.delete(child.pid);
      syncRegistry();
    }
    return info;
  });
  if (child.pid) {
    groups.set(child.pid, name);
    syncRegistry();
  }
  const handle = {
    name,
    pid: child.pid,
    logFile,
    exited,
    alive: () => exitInfo === null && !!child.pid,
    exitInfo: () => exitInfo,
    output: () => captured,
    /** Graceful stop: SIGTERM, wait up to graceMs, then SIGKILL. Resolves when gone. */
    async stop({ graceMs = 10000 } = {}) {
      if (exitInfo || !child.pid) return exited;
      signalGroup(child.pid, 'SIGTERM');
      const timer = sleep(graceMs).then(() => 'timeout');
      if ((await Promise.race([exited, timer])) === 'timeout') signalGroup(child.pid, 'SIGKILL');
      return exited;
    },
    /** Abrupt stop (a crash): SIGKILL to the group. */
    async kill() {
      if (exitInfo || !child.pid) return exited;
      signalGroup(child.pid, 'SIGKILL');
      return exited;
    },
  };
  return handle;
}

/**
 * Runs `cleanup` once on SIGINT, SIGTERM or SIGHUP, then exits with
 * `exitCode` (0 by default: a Ctrl-C that shut everything down cleanly is
 * not an error). A second signal skips the grace periods.
 */
export function onShutdownSignal(cleanup, { exitCode = 0 } = {}) {
  let stopping = false;
  const handler = async (signal) => {
    if (stopping) {
      process.stderr.write(`\n${signal} again: killing everything now\n`);
      process.exit(130);
    }
    stopping = true;
    process.stderr.write(`\n${signal}: stopping…\n`);
    try {
      await cleanup(signal);
    } catch (err) {
      process.stderr.write(`error while stopping: ${err?.stack ?? err}\n`);
      process.exit(1);
    }
    process.exit(exitCode);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, handler);
  return () => {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.off(sig, handler);
  };
}
