// CPU time and memory of the processes under test, read from /proc (Linux).
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ; `getconf CLK_TCK` is 100 on every Linux we run on

/** {cpuMs, rssKiB, peakRssKiB} of a live process, or null when it is gone. */
export function sample(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm) ": state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuMs = ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SECOND;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { cpuMs, rssKiB: kib('VmRSS'), peakRssKiB: kib('VmHWM') };
  } catch {
    return null;
  }
}

export function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

function environ(pid) {
  try {
    return Object.fromEntries(
      readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
  } catch {
    return {};
  }
}

const pids = () => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);

/** The pid listening on a TCP port of the loopback (or any) address, or null. */
export function pidListening(port) {
  const inodes = new Set();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue; // 0A = LISTEN
      if (parseInt(cols[1].split(':')[1], 16) === port) inodes.add(cols[9]);
    }
  }
  if (inodes.size === 0) return null;
  for (const pid of pids()) {
    let fds;
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1])) return pid;
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return null;
}

/**
 * The platform's processes when someone else started it (CHAT_URL): the
 * gateway is whoever listens on the URL's port; the other services are the
 * `dist/services/<name>/main.js` processes with the same KAFKA_NAMESPACE;
 * Kafka and FerretDB are whoever listens on the broker and MongoDB ports the
 * gateway was given.
 */
export function discoverPlatform(gatewayPort) {
  const found = [];
  const gatewayPid = pidListening(gatewayPort);
  const env = gatewayPid ? environ(gatewayPid) : {};
  const namespace = env.KAFKA_NAMESPACE;
  const counts = {};
  for (const pid of pids()) {
    const m = /dist\/services\/([a-z]+)\/main\.js/.exec(cmdline(pid));
    if (!m) continue;
    if (pid !== gatewayPid && (namespace === undefined || environ(pid).KAFKA_NAMESPACE !== namespace)) continue;
    const i = (counts[m[1]] = (counts[m[1]] ?? -1) + 1);
    found.push({ name: `${m[1]}-${i}`, pid, own: false });
  }
  found.push(...infraProcs(env.KAFKA_BROKERS, env.MONGO_URL));
  return found;
}

/** Kafka and FerretDB (or MongoDB) behind the given addresses, found by their listening ports. */
export function infraProcs(kafkaBrokers, mongoUrl, { own = false } = {}) {
  const out = [];
  const kafkaPort = Number(/:(\d+)/.exec(kafkaBrokers?.split(',')[0] ?? '')?.[1]);
  const mongoPort = Number(/:\/\/[^/:]+:(\d+)/.exec(mongoUrl ?? '')?.[1] ?? (mongoUrl ? 27017 : NaN));
  if (kafkaPort) {
    const pid = pidListening(kafkaPort);
    if (pid) out.push({ name: 'kafka', pid, own });
  }
  if (mongoPort) {
    const pid = pidListening(mongoPort);
    if (pid) out.push({ name: /ferretdb/.test(cmdline(pid)) ? 'ferretdb' : 'mongod', pid, own });
  }
  return out;
}

/** Resets a process's peak RSS (VmHWM) so that it reports the peak of what follows; our own children only. */
function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** A process's soft open-file limit and how many descriptors it holds now. */
export function fileDescriptors(pid) {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    const limit = m && m[1] !== 'unlimited' ? Number(m[1]) : Infinity;
    return { limit, open: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return null;
  }
}

/** Memory the machine still has to give (MiB). */
export function memAvailableMiB() {
  const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) / 1024 : Infinity;
}

export function loadAverage() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
}

/**
 * CPU and memory of a set of processes over one measured window. begin()
 * takes the CPU counters (and resets the peak RSS of our own children, so
 * their peak is this window's); end() gives each process's CPU seconds, its
 * share of one core, and its peak and current RSS.
 */
export class ProcWatch {
  constructor(procs) {
    this.procs = procs.filter((p) => p.pid);
  }

  add(procs) {
    for (const p of procs) {
      this.procs.push(p);
      this.before.set(p.pid, { ...sample(p.pid), peakReset: false });
    }
  }

  begin() {
    this.t0 = performance.now();
    this.before = new Map();
    for (const p of this.procs) {
      const peakReset = p.own ? resetPeak(p.pid) : false;
      this.before.set(p.pid, { ...sample(p.pid), peakReset });
    }
    return this;
  }

  end() {
    const wallS = (performance.now() - this.t0) / 1000;
    const rows = [];
    for (const p of this.procs) {
      const a = this.before.get(p.pid);
      const b = sample(p.pid);
      if (!a || !b) {
        rows.push({ name: p.name, pid: p.pid, gone: true });
        continue;
      }
      const cpuS = (b.cpuMs - a.cpuMs) / 1000;
      rows.push({
        name: p.name,
        pid: p.pid,
        cpuS: round(cpuS, 2),
        cpuPct: round((100 * cpuS) / wallS, 1),
        peakRssMiB: round(b.peakRssKiB / 1024, 1),
        peakIsWindow: a.peakReset,
        rssMiB: round(b.rssKiB / 1024, 1),
      });
    }
    return { wallS: round(wallS, 1), procs: rows };
  }
}

export function round(x, digits = 2) {
  if (x === null || x === undefined || !Number.isFinite(x)) return x ?? null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
