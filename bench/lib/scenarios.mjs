// The scenarios of issues 9 and 14. Each takes one target (the floor or the
// platform) with its Population and returns a plain result object; main.mjs
// runs each against both targets and reports the ratio.
import { setTimeout as sleep } from 'node:timers/promises';
import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { breakdown, deliveryReads, scrapeAll } from './breakdown.mjs';
import { request } from './client.mjs';
import { runLoad } from './load.mjs';
import { fileDescriptors, memAvailableMiB, ProcWatch, round, sample } from './procs.mjs';
import { ROOT } from './targets.mjs';

/** Starts and stops the CPU profile of the profiled processes around a measured window. */
function profiling(target) {
  const signal = () => {
    for (const p of target.profiled ?? []) {
      try {
        process.kill(p.pid, 'SIGURG');
      } catch {
        /* gone */
      }
    }
  };
  return { start: signal, stop: signal };
}

/**
 * Waits until the target answers a message:send within `withinMs` again (at
 * most `maxS` seconds): a scenario that overloaded it leaves a backlog in its
 * queues, which would otherwise be charged to the next scenario. Returns the
 * seconds waited.
 */
export async function settle(target, pop, say, { withinMs = 500, maxS = 180 } = {}) {
  const [pair] = await pop.directPairs(1);
  const started = performance.now();
  for (let i = 0; (performance.now() - started) / 1000 < maxS; i++) {
    const t0 = performance.now();
    try {
      await request(pair.members[0].socket, 'message:send', { conversationId: pair.id, text: `settle ${i}`, clientMsgId: `settle-${Date.now()}-${i}` }, maxS * 1000);
      if (performance.now() - t0 <= withinMs) break;
    } catch {
      /* not answering yet */
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const waited = round((performance.now() - started) / 1000, 1);
  if (waited > 2) say(`${target.name}: waited ${waited} s for the previous scenario's backlog to clear`);
  return waited;
}

/**
 * What the target burns with no load at all (consumers polling, heartbeats,
 * timers): CPU % of one core per process over a quiet window. The cost per
 * message is then also given net of it. With `profile`, the processes chosen by
 * --profile are profiled over the window (the `idle` scenario).
 */
export async function idle(target, seconds, { profile = false } = {}) {
  const watch = new ProcWatch([...target.procs, { name: 'generator', pid: process.pid, own: false }]).begin();
  const prof = profile ? profiling(target) : null;
  prof?.start();
  await sleep(seconds * 1000);
  prof?.stop();
  const r = watch.end();
  const perProcess = Object.fromEntries(r.procs.filter((p) => !p.gone).map((p) => [p.name, p.cpuPct]));
  const total = r.procs.filter((p) => !p.gone && p.name !== 'generator').reduce((a, p) => a + p.cpuPct, 0);
  return { wallS: r.wallS, cpuPctTotal: round(total, 1), perProcess };
}

async function measured(target, fn) {
  const watch = new ProcWatch([...target.procs, { name: 'generator', pid: process.pid, own: false }]).begin();
  const prof = profiling(target);
  const metricsBefore = await scrapeAll(target.metricsUrls);
  prof.start();
  try {
    const result = await fn();
    const procs = watch.end();
    const metricsAfter = await scrapeAll(target.metricsUrls);
    const timeBreakdown = breakdown(metricsBefore, metricsAfter);
    const reads = deliveryReads(metricsBefore, metricsAfter);
    return {
      ...result,
      procs,
      cpu: cpuCost(procs, result.sent ?? result.totalSent, target.idle),
      ...(timeBreakdown.length ? { timeBreakdown } : {}),
      ...(Object.keys(reads).length ? { deliveryReads: reads } : {}),
    };
  } finally {
    prof.stop();
  }
}

/** The processes that are not our code: the broker and the database (the floor has neither). */
const INFRA = new Set(['kafka', 'ferretdb', 'mongod']);

/**
 * CPU milliseconds per message sent, per process and for the system under
 * test as a whole (everything but the generator). Unlike latency, this does
 * not depend on how busy the rest of the machine is, so it also says what
 * the system could carry on idle cores: capacity ≈ cores × 1000 / cost.
 */
function cpuCost(procs, messages, idleCpu) {
  if (!messages) return null;
  const per = (cpuS) => round((cpuS * 1000) / messages, 3);
  const perProcess = {};
  const netPerProcess = {};
  let sut = 0;
  let net = 0;
  let generator = 0;
  let services = 0; // net of idle, without the broker and the database
  let servicesIdleCores = 0;
  for (const p of procs.procs) {
    if (p.gone) continue;
    perProcess[p.name] = per(p.cpuS);
    if (p.name === 'generator' || p.name.startsWith('clients-')) {
      generator += p.cpuS;
      continue;
    }
    sut += p.cpuS;
    const idleS = ((idleCpu?.perProcess?.[p.name] ?? 0) / 100) * procs.wallS;
    netPerProcess[p.name] = per(Math.max(0, p.cpuS - idleS));
    net += Math.max(0, p.cpuS - idleS);
    if (!INFRA.has(p.name)) {
      services += Math.max(0, p.cpuS - idleS);
      servicesIdleCores += (idleCpu?.perProcess?.[p.name] ?? 0) / 100;
    }
  }
  const cores = availableParallelism();
  const idleCores = (idleCpu?.cpuPctTotal ?? 0) / 100;
  return {
    messages,
    msPerMsg: per(sut),
    netMsPerMsg: idleCpu ? per(net) : null,
    generatorMsPerMsg: per(generator),
    // What the cores of this machine could carry if nothing else ran on them: what is left after
    // the target's idle cost, divided by the net cost per message and the generator's.
    capacityMsgPerS: net + generator > 0 ? Math.round(((cores - idleCores) * messages) / (net + generator)) : null,
    // The same for the platform's own services alone, as if Kafka, the database and the generator
    // ran on machines of their own (as they do in a deployment): what our code could carry on these cores.
    servicesCapacityMsgPerS: idleCpu && services > 0 ? Math.round(((cores - servicesIdleCores) * messages) / services) : null,
    perProcess,
    netPerProcess,
  };
}

function directPick(pairs) {
  const n = pairs.length;
  return (k) => {
    const conv = pairs[k % n];
    const from = conv.members[Math.floor(k / n) % 2]; // both directions, alternating
    return { socket: from.socket, userId: from.id, conv };
  };
}

// ---- 1. latency -------------------------------------------------------------

export async function latency(target, pop, o, say) {
  const pairs = await pop.directPairs(o.users / 2);
  const members = pairs.flatMap((p) => p.members.map((u) => ({ userId: u.id, socket: u.socket })));
  const pick = directPick(pairs);
  say(`${target.name}: latency warm-up (${o.warmupS} s at ${o.rate}/s)`);
  const warmup = await runLoad({ members, pick, rate: o.rate, durationS: o.warmupS, drainS: 10, slots: 2 });
  say(`${target.name}: latency ${o.users} users, ${o.rate} msg/s for ${o.durationS} s`);
  const result = await measured(target, () => runLoad({ members, pick, rate: o.rate, durationS: o.durationS, drainS: 15, slots: 2 }));
  return { users: o.users, conversations: pairs.length, warmup: brief(warmup), ...result };
}

// ---- 2. throughput ------------------------------------------------------------

export async function throughput(target, pop, o, say) {
  const pairs = await pop.directPairs(o.users / 2);
  const members = pairs.flatMap((p) => p.members.map((u) => ({ userId: u.id, socket: u.socket })));
  const pick = directPick(pairs);
  const first = o.rates[0];
  say(`${target.name}: throughput warm-up (${o.warmupS} s at ${first}/s)`);
  await runLoad({ members, pick, rate: first, durationS: o.warmupS, drainS: 10, slots: 2 });
  const steps = [];
  let held = null;
  const result = await measured(target, async () => {
    for (const rate of o.rates) {
      const r = await runLoad({ members, pick, rate, durationS: o.stepS, drainS: 5, slots: 2 });
      const ok = r.lost === 0 && r.unacked === 0 && Object.keys(r.ackErrors).length === 0 && r.duplicates === 0 && r.e2e && r.e2e.p99 <= o.p99LimitMs;
      say(`${target.name}: ${rate} msg/s → e2e p99 ${r.e2e?.p99 ?? '-'} ms, lost ${r.lost}, unacked ${r.unacked} ${ok ? 'held' : 'FAILED'}`);
      steps.push({ ...r, held: ok });
      if (!ok) break;
      held = r;
      await sleep(1000);
    }
    return { totalSent: steps.reduce((a, r) => a + r.sent, 0) };
  });
  return {
    users: o.users,
    conversations: pairs.length,
    p99LimitMs: o.p99LimitMs,
    heldRate: held?.offeredRate ?? 0,
    held: held ? brief(held) : null,
    firstFailed: steps.find((s) => !s.held) ? brief(steps.find((s) => !s.held)) : null,
    steps: steps.map(brief),
    procs: result.procs,
    cpu: result.cpu,
    timeBreakdown: result.timeBreakdown,
    deliveryReads: result.deliveryReads,
  };
}

// ---- 3. fan-out ---------------------------------------------------------------

export async function fanout(target, pop, o, say) {
  say(`${target.name}: fan-out group of ${o.members} (chunks of ${o.chunk})`);
  const started = performance.now();
  const group = await pop.group(o.members, o.chunk);
  const setupS = (performance.now() - started) / 1000;
  const members = group.members.map((u) => ({ userId: u.id, socket: u.socket }));
  const senders = group.members.slice(0, Math.min(10, group.members.length));
  const pick = (k) => {
    const from = senders[k % senders.length];
    return { socket: from.socket, userId: from.id, conv: group };
  };
  say(`${target.name}: fan-out warm-up (${o.warmupS} s at ${o.rate}/s)`);
  const warmup = await runLoad({ members, pick, rate: o.rate, durationS: o.warmupS, drainS: 10, slots: o.members });
  say(`${target.name}: fan-out ${o.rate} msg/s to ${o.members} members for ${o.durationS} s`);
  const result = await measured(target, () => runLoad({ members, pick, rate: o.rate, durationS: o.durationS, drainS: 15, slots: o.members }));
  return { members: o.members, groupSetupS: round(setupS, 1), warmup: brief(warmup), ...result };
}

// ---- 4. sockets -----------------------------------------------------------------

async function heapUsed(url) {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10000) });
  const text = await res.text();
  const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([0-9.e+]+)/m.exec(text);
  if (!m) throw new Error(`${url}/metrics (HTTP ${res.status}) has no nodejs_heap_size_used_bytes: ${text.slice(0, 200)}`);
  const sockets = /^chat_connected_sockets(?:\{[^}]*\})? ([0-9.e+]+)/m.exec(text);
  return { heap: Number(m[1]), sockets: sockets ? Number(sockets[1]) : null };
}

/**
 * The live heap. With the bench's preload in the gateway, a full GC first
 * (SIGWINCH), then the lowest of two readings; without it (CHAT_URL), the
 * lowest of five readings a second apart (the heap between collections only grows).
 */
async function settledHeap(target) {
  const gc = target.hooked && target.gatewayPid;
  let best = null;
  for (let i = 0, n = gc ? 2 : 5; i < n; i++) {
    if (gc) {
      try {
        process.kill(target.gatewayPid, 'SIGWINCH');
      } catch {
        /* gone */
      }
    }
    await sleep(gc ? 1500 : 1000);
    const r = await heapUsed(target.url);
    if (!best || r.heap < best.heap) best = r;
  }
  return { ...best, afterGc: !!gc };
}

export async function sockets(target, pop, o, say) {
  const users = await pop.ensureUsers(o.socketUsers);
  const tokens = users.map((u) => u.token);
  await sleep(2000);
  const before = await settledHeap(target);
  const gwBefore = target.gatewayPid ? sample(target.gatewayPid) : null;
  // One socket is one descriptor in the gateway: its open-file limit caps what it can hold.
  const fds = target.gatewayPid ? fileDescriptors(target.gatewayPid) : null;
  const room = fds ? fds.limit - fds.open - 256 : Infinity;
  const count = Math.max(0, Math.min(o.sockets, room));
  const cappedBy = count < o.sockets ? `the gateway's open-file limit (${fds.limit}, ${fds.open} in use)` : null;
  if (cappedBy) say(`${target.name}: sockets: ${count} instead of ${o.sockets}, capped by ${cappedBy}`);
  const workers = Math.ceil(count / o.perWorker);
  say(`${target.name}: sockets: opening ${count} idle sockets from ${workers} processes (heap before ${round(before.heap / 2 ** 20, 1)} MiB)`);
  const watch = new ProcWatch([...target.procs, { name: 'generator', pid: process.pid, own: false }]).begin();
  const started = performance.now();
  const state = [];
  let stoppedEarly = null;
  const children = [];
  const deadline = Date.now() + o.connectTimeoutS * 1000;
  const done = Array.from({ length: workers }, (_, w) => {
    const child = fork(join(ROOT, 'bench', 'lib', 'sockets-worker.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    watch.add([{ name: `clients-${w}`, pid: child.pid, own: false }]);
    state[w] = { connected: 0, failed: 0, drops: 0, rssBytes: 0 };
    const share = Math.min(o.perWorker, count - w * o.perWorker);
    return new Promise((resolve) => {
      child.on('message', (m) => {
        state[w] = m;
        if (m.type === 'opened') resolve();
      });
      child.on('exit', () => resolve());
      child.send({
        cmd: 'open',
        url: target.url,
        tokens,
        count: share,
        localAddress: `127.0.0.${2 + w}`,
        concurrency: o.connectConcurrency,
        timeoutMs: 20000,
        maxLifeMs: (o.connectTimeoutS + o.holdS + 120) * 1000,
      });
    });
  });
  const sum = (k) => state.reduce((a, s) => a + (s?.[k] ?? 0), 0);
  // Stop early when the machine runs short of memory or time.
  const guard = setInterval(() => {
    const free = memAvailableMiB();
    let why = null;
    if (free < o.minFreeMiB) why = `memory: ${Math.round(free)} MiB available, below --min-free-mib ${o.minFreeMiB}`;
    else if (Date.now() > deadline) why = `time: not all connected within ${o.connectTimeoutS} s`;
    if (why && !stoppedEarly) {
      stoppedEarly = why;
      say(`${target.name}: sockets: stopping early (${why})`);
      for (const c of children) if (c.connected) c.send({ cmd: 'stop-connecting' });
    }
  }, 500);
  const progress = setInterval(() => say(`${target.name}: sockets: ${sum('connected')} connected, ${sum('failed')} failed`), 10000);
  await Promise.all(done);
  clearInterval(progress);
  const connectS = (performance.now() - started) / 1000;
  const connected = sum('connected');
  say(`${target.name}: sockets: ${connected} connected in ${round(connectS, 1)} s; holding ${o.holdS} s`);
  await sleep(o.holdS * 1000);
  for (const c of children) if (c.connected) c.send({ cmd: 'report' });
  await sleep(500);
  clearInterval(guard);
  const after = await settledHeap(target);
  const gwAfter = target.gatewayPid ? sample(target.gatewayPid) : null;
  const procs = watch.end();
  const stillConnected = sum('connected') - sum('drops');
  const clientRss = sum('rssBytes');
  for (const c of children) if (c.connected) c.send({ cmd: 'close' });
  await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
  await sleep(3000); // let the gateway see the disconnects before the next scenario
  const perSocket = (bytes) => (connected ? round(bytes / connected, 0) : null);
  return {
    requested: o.sockets,
    attempted: count,
    cappedBy,
    gatewayFileLimit: fds?.limit ?? null,
    connected,
    failed: sum('failed'),
    drops: sum('drops'),
    stillConnected,
    gatewayReports: after.sockets,
    stoppedEarly,
    errors: Object.assign({}, ...state.map((s) => s?.errors ?? {})),
    connectS: round(connectS, 1),
    connectsPerS: round(connected / connectS, 0),
    heapAfterGc: after.afterGc,
    heapBeforeMiB: round(before.heap / 2 ** 20, 1),
    heapAfterMiB: round(after.heap / 2 ** 20, 1),
    heapPerSocketBytes: perSocket(after.heap - before.heap),
    rssPerSocketBytes: gwBefore && gwAfter ? perSocket((gwAfter.rssKiB - gwBefore.rssKiB) * 1024) : null,
    clientRssPerSocketBytes: perSocket(clientRss),
    procs,
  };
}

/** The figures of a load window without its bulk. */
function brief(r) {
  if (!r) return r;
  const { run, ...rest } = r;
  void run;
  return rest;
}
