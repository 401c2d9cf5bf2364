#!/usr/bin/env node
// `npm run bench -- [--scenario latency|throughput|fanout|sockets|all] [--quick] ...`
// Runs each chosen scenario against the floor and the platform in turn, then
// prints a table and writes bench/results/<scenario>-<timestamp>.json. See
// bench/README.md for every flag.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Population } from './lib/population.mjs';
import { formatProfile, summarizeProfile } from './lib/profile.mjs';
import { loadAverage, round } from './lib/procs.mjs';
import * as scenarios from './lib/scenarios.mjs';
import { raiseFileLimit, ROOT, startFloor, startPlatform } from './lib/targets.mjs';

const ALL = ['latency', 'throughput', 'fanout', 'sockets'];
const { values: a } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all' },
    quick: { type: 'boolean', default: false },
    target: { type: 'string', default: 'both' },
    profile: { type: 'string' },
    build: { type: 'boolean', default: false },
    'fresh-infra': { type: 'boolean', default: false },
    direct: { type: 'boolean', default: false },
    gateways: { type: 'string', default: '1' },
    placement: { type: 'string', default: 'across' },
    users: { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    rates: { type: 'string' },
    'step-seconds': { type: 'string' },
    'p99-limit': { type: 'string', default: '100' },
    'fanout-members': { type: 'string' },
    'fanout-rate': { type: 'string' },
    'fanout-duration': { type: 'string' },
    'fanout-chunk': { type: 'string', default: '250' },
    sockets: { type: 'string' },
    'sockets-users': { type: 'string' },
    'sockets-per-worker': { type: 'string', default: '12500' },
    'sockets-hold': { type: 'string' },
    'min-free-mib': { type: 'string', default: '2048' },
    'idle-seconds': { type: 'string' },
    'max-minutes': { type: 'string', default: '90' },
    out: { type: 'string', default: join(ROOT, 'bench', 'results') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (a.help) {
  process.stdout.write(`usage: npm run bench -- [--scenario latency|throughput|fanout|sockets|idle|all] [--quick] [--idle-seconds 30]
  [--target both|floor|platform] [--profile <service>|floor|all] [--build] [--fresh-infra] [--direct] [--gateways 1] [--placement across|together]
  latency/throughput: [--users 2000] [--rate 200] [--duration 60] [--warmup 5] [--rates 250,500,...] [--step-seconds 10] [--p99-limit 100]
  fan-out: [--fanout-members 1000] [--fanout-rate 50] [--fanout-duration 30] [--fanout-chunk 250]
  sockets: [--sockets 50000] [--sockets-users 200] [--sockets-per-worker 12500] [--sockets-hold 10] [--min-free-mib 2048]
  [--max-minutes 90] [--out bench/results]
CHAT_URL=http://127.0.0.1:<port> benches a platform that is already running; otherwise the bench starts one.
`);
  process.exit(0);
}

const q = a.quick;
const num = (v, full, quick) => (v !== undefined ? Number(v) : q ? quick : full);
const chosen = a.scenario === 'all' ? ALL : a.scenario.split(',');
// `idle`: the platform at rest only, longer than the probe every run starts with.
for (const s of chosen) if (![...ALL, 'idle'].includes(s)) throw new Error(`unknown scenario ${s} (one of ${ALL.join(', ')}, idle, all)`);
const targetsWanted = a.target === 'both' ? ['floor', 'platform'] : [a.target];
const opts = {
  latency: { users: num(a.users, 2000, 200), rate: num(a.rate, 200, 200), durationS: num(a.duration, 60, 10), warmupS: num(a.warmup, 5, 2) },
  throughput: {
    users: num(a.users, 2000, 200),
    rates: (a.rates ?? (q ? '250,500,1000,2000,3000,4000,6000,8000' : '250,500,1000,1500,2000,2500,3000,4000,5000,6000,8000,10000,12500,15000,20000'))
      .split(',')
      .map(Number),
    stepS: num(a['step-seconds'], 10, 3),
    warmupS: num(a.warmup, 5, 2),
    p99LimitMs: Number(a['p99-limit']),
  },
  fanout: {
    members: num(a['fanout-members'], 1000, 200),
    rate: num(a['fanout-rate'], 50, 50),
    durationS: num(a['fanout-duration'], 30, 10),
    warmupS: num(a.warmup, 5, 2),
    chunk: Number(a['fanout-chunk']),
  },
  idle: { seconds: num(a['idle-seconds'], 30, 10) },
  sockets: {
    sockets: num(a.sockets, 50000, 2000),
    socketUsers: num(a['sockets-users'], 200, 50),
    perWorker: Number(a['sockets-per-worker']),
    holdS: num(a['sockets-hold'], 10, 3),
    minFreeMiB: Number(a['min-free-mib']),
    connectConcurrency: 64,
    connectTimeoutS: q ? 60 : 600,
  },
};
for (const s of ['latency', 'throughput']) opts[s].users = Math.max(2, opts[s].users - (opts[s].users % 2));

const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
const runDir = join(a.out, `run-${stamp}`);
const profileDir = join(runDir, 'profiles');
const say = (msg) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();

function machine() {
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? null,
    memTotalGiB: round(os.totalmem() / 2 ** 30, 1),
    memFreeGiB: round(os.freemem() / 2 ** 30, 1),
    loadAverage: loadAverage(),
    node: process.version,
  };
}

// ---- running ---------------------------------------------------------------

const targets = [];
let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const t of targets) {
    t.pop?.close();
    await t.stop().catch(() => undefined);
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));
setTimeout(() => {
  say(`giving up: the run passed --max-minutes ${a['max-minutes']}`);
  void shutdown(3);
}, Number(a['max-minutes']) * 60_000).unref();

function profilesSince(before) {
  let files = [];
  try {
    files = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile') && !before.has(f));
  } catch {
    /* none yet */
  }
  return files.map((f) => join(profileDir, f));
}

async function main() {
  const nofile = raiseFileLimit(chosen.includes('sockets') ? Math.max(65536, opts.sockets.sockets + 20000) : 65536);
  say(`open-file limit ${nofile}; scenarios ${chosen.join(', ')}${q ? ' (quick)' : ''}; targets ${targetsWanted.join(', ')}`);
  const logDir = join(runDir, 'logs');
  mkdirSync(runDir, { recursive: true });
  if (targetsWanted.includes('floor')) targets.push(await startFloor({ logDir, profile: a.profile, profileDir }));
  if (targetsWanted.includes('platform')) {
    say(process.env.CHAT_URL ? `platform at ${process.env.CHAT_URL}` : 'starting the platform (Kafka, FerretDB, services)');
    targets.push(await startPlatform({ logDir, profile: a.profile, profileDir, build: a.build, freshInfra: a['fresh-infra'], direct: a.direct, gateways: Number(a.gateways), say }));
  }
  for (const t of targets) {
    if (a.placement !== 'across' && a.placement !== 'together') throw new Error(`--placement: across or together, not ${a.placement}`);
    t.pop = new Population(t, { say, placement: a.placement });
    say(`${t.name}: ${t.url} (${t.procs.map((p) => `${p.name}:${p.pid}`).join(' ')})`);
    const s = await t.pop.ready();
    say(`${t.name}: first registration answered after ${round(s, 1)} s`);
    t.idle = await scenarios.idle(t, q ? 5 : 15);
    say(`${t.name}: idle CPU ${t.idle.cpuPctTotal}% of one core (${Object.entries(t.idle.perProcess).map(([k, v]) => `${k} ${v}%`).join(', ')})`);
  }

  const all = [];
  for (const scenario of chosen) {
    const report = { scenario, quick: q, startedAt: new Date().toISOString(), command, params: opts[scenario], machineBefore: machine(), targets: {} };
    for (const t of targets) {
      const before = new Set(profilesSince(new Set()).map((f) => f.split('/').pop()));
      const loadBefore = loadAverage();
      try {
        if (all.length > 0) report.settleS = { ...report.settleS, [t.name]: await scenarios.settle(t, t.pop, say) };
        report.targets[t.name] = scenario === 'idle' ? await scenarios.idle(t, opts.idle.seconds, { profile: true }) : await scenarios[scenario](t, t.pop, opts[scenario], say);
      } catch (err) {
        say(`${t.name}: ${scenario} failed: ${err.stack ?? err}`);
        report.targets[t.name] = { error: String(err.message ?? err) };
      }
      report.targets[t.name].idleCpu = t.idle;
      report.targets[t.name].loadAverageBefore = loadBefore;
      report.targets[t.name].loadAverageAfter = loadAverage();
      if (t.pop.registerRate) report.targets[t.name].registerPerS = round(t.pop.registerRate, 1);
      // The hook writes asynchronously, and a busy process takes a while.
      for (let i = 0; i < 60 && t.profiled?.length && profilesSince(before).length < t.profiled.length; i++) await new Promise((r) => setTimeout(r, 500));
      const profiles = profilesSince(before);
      if (profiles.length) {
        report.targets[t.name].profiles = profiles.map((f) => {
          const pid = Number(/-(\d+)-\d+\.cpuprofile$/.exec(f)?.[1]);
          return { process: t.procs.find((p) => p.pid === pid)?.name ?? String(pid), ...summarizeProfile(f, 15) };
        });
        for (const p of report.targets[t.name].profiles) say(`profile of ${p.process} (${t.name}) during ${scenario}:\n${formatProfile(p)}`);
      }
    }
    report.machineAfter = machine();
    report.verdicts = verdicts(scenario, report.targets);
    all.push(report);
    const file = join(a.out, `${scenario}${q ? '-quick' : ''}-${stamp}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`\n${table(report)}\n  → ${file}\n`);
  }
  if (all.length > 1) {
    const file = join(a.out, `all${q ? '-quick' : ''}-${stamp}.json`);
    writeFileSync(file, `${JSON.stringify({ command, machine: machine(), reports: all }, null, 2)}\n`);
  }
  process.stdout.write(`\n${summaryTable(all)}\n`);
}

// ---- targets of issue 14 (the sockets scenario's are issue 9's) -----------------

/** Issue 14's latency targets by load: unloaded (200 users, 20 msg/s) and 2,000 users at 200 msg/s; none for other loads. */
function latencyTargets({ users, rate }) {
  if (users === 200 && rate === 20) return { label: 'unloaded', p50: 4, p99: 10 };
  if (users === 2000 && rate === 200) return { label: '2,000 users', p50: 8, p99: 25 };
  return null;
}

function verdicts(scenario, t) {
  const p = t.platform;
  if (!p || p.error) return [];
  const lossless = (r) => r && r.lost === 0 && r.unacked === 0 && r.duplicates === 0 && Object.keys(r.ackErrors ?? {}).length === 0;
  switch (scenario) {
    case 'idle':
      return [{ target: 'idle under 10 % of one core', measured: `${p.cpuPctTotal} % (${Object.entries(p.perProcess).map(([k, v]) => `${k} ${v}`).join(', ')})`, met: p.cpuPctTotal < 10 }];
    case 'latency': {
      const lt = latencyTargets(opts.latency);
      return [
        ...(lt
          ? [
              { target: `${lt.label}: e2e p50 ≤ ${lt.p50} ms`, measured: `${p.e2e?.p50} ms`, met: p.e2e?.p50 <= lt.p50 },
              { target: `${lt.label}: e2e p99 ≤ ${lt.p99} ms`, measured: `${p.e2e?.p99} ms`, met: p.e2e?.p99 <= lt.p99 },
            ]
          : []),
        {
          target: 'nothing lost',
          measured: `${p.lost} lost, ${p.unacked} unacked, ${Object.values(p.ackErrors ?? {}).reduce((a, n) => a + n, 0)} refused, ${p.duplicates} duplicates`,
          met: lossless(p),
        },
      ];
    }
    case 'throughput':
      return [{ target: '≥ 1,500 direct msg/s held with p99 ≤ 100 ms, nothing lost', measured: `${p.heldRate} msg/s held`, met: p.heldRate >= 1500 }];
    case 'fanout': {
      const floorP99 = t.floor && !t.floor.error ? t.floor.e2e?.p99 : undefined;
      return [
        {
          target: '≥ 47,500 deliveries/s, nothing lost',
          measured: `${p.throughput?.deliveredPerS} deliveries/s, ${p.lost} lost`,
          met: lossless(p) && p.throughput?.deliveredPerS >= 47500,
        },
        {
          target: "e2e p99 ≤ 1.5× the floor's in the same run",
          measured: floorP99 ? `${p.e2e?.p99} ms against ${floorP99} ms (${(p.e2e?.p99 / floorP99).toFixed(2)}×)` : `${p.e2e?.p99} ms; no floor in this run (--target both)`,
          met: floorP99 ? p.e2e?.p99 <= 1.5 * floorP99 : false,
        },
      ];
    }
    case 'sockets':
      return [
        {
          target: '≥ 50,000 idle sockets on one gateway',
          measured: `${p.connected} connected (${p.stillConnected} still connected after ${opts.sockets.holdS} s)${p.cappedBy ? `; capped by ${p.cappedBy}` : ''}${p.stoppedEarly ? `; stopped early: ${p.stoppedEarly}` : ''}`,
          met: p.stillConnected >= 50000,
        },
        { target: '≤ 10 KiB heap per socket', measured: `${p.heapPerSocketBytes} B`, met: p.heapPerSocketBytes !== null && p.heapPerSocketBytes <= 10240 },
      ];
    default:
      return [];
  }
}

// ---- the table -------------------------------------------------------------------

const fmt = (v) => (v === null || v === undefined ? '-' : typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(v >= 100 ? 0 : 2)) : String(v));
const ratio = (p, f) => (typeof p === 'number' && typeof f === 'number' && f !== 0 ? `${(p / f).toFixed(2)}×` : '-');
const get = (o, path) => path.split('.').reduce((x, k) => (x === null || x === undefined ? undefined : x[k]), o);

function rowsFor(scenario) {
  const lat = (prefix, label) => ['p50', 'p90', 'p99', 'p999', 'max'].map((p) => [`${label} ${p === 'p999' ? 'p99.9' : p} (ms)`, `${prefix}.${p}`]);
  const load = (base = '') => [
    ['sent', `${base}sent`],
    ['acked', `${base}acked`],
    ['delivered (to the other members)', `${base}delivered`],
    ['lost', `${base}lost`],
    ['duplicates', `${base}duplicates`],
    ['unacked', `${base}unacked`],
    ['refused (error acks)', `${base}refused`],
    ['sent/s', `${base}throughput.sentPerS`],
    ['delivered/s', `${base}throughput.deliveredPerS`],
    ['pushes/s (sender included)', `${base}throughput.pushesPerS`],
    ...lat(`${base}ack`, 'ack'),
    ...lat(`${base}e2e`, 'e2e'),
    ['generator lag p99 (ms)', `${base}generatorLag.p99`],
    ['CPU ms per message (system under test)', 'cpu.msPerMsg'],
    ['  net of its idle CPU', 'cpu.netMsPerMsg'],
    ['CPU ms per message (generator)', 'cpu.generatorMsPerMsg'],
    ['capacity on idle cores (msg/s, from CPU cost)', 'cpu.capacityMsgPerS'],
    ['  of the services alone (Kafka, DB, generator elsewhere)', 'cpu.servicesCapacityMsgPerS'],
  ];
  switch (scenario) {
    case 'idle':
      return [['idle CPU (% of one core, all processes)', 'cpuPctTotal'], ['measured for (s)', 'wallS']];
    case 'throughput':
      return [['last rate that held (msg/s)', 'heldRate'], ['first rate that failed', 'firstFailed.offeredRate'], ...load('held.')];
    case 'sockets':
      return [
        ['sockets requested', 'requested'],
        ['attempted (open-file limit)', 'attempted'],
        ['connected', 'connected'],
        ['still connected at the end', 'stillConnected'],
        ['failed', 'failed'],
        ['connects/s', 'connectsPerS'],
        ['heap before (MiB)', 'heapBeforeMiB'],
        ['heap after (MiB)', 'heapAfterMiB'],
        ['heap per socket (B)', 'heapPerSocketBytes'],
        ['RSS per socket (B)', 'rssPerSocketBytes'],
        ['client RSS per socket (B)', 'clientRssPerSocketBytes'],
      ];
    default:
      return load();
  }
}

function table(report) {
  const names = Object.keys(report.targets);
  const p = report.targets.platform;
  const f = report.targets.floor;
  const out = [`== ${report.scenario}${report.quick ? ' (quick)' : ''}: ${JSON.stringify(report.params)}`];
  const header = ['figure', ...names, ...(p && f ? ['platform/floor'] : [])];
  const rows = rowsFor(report.scenario).map(([label, path]) => [label, ...names.map((n) => fmt(get(report.targets[n], path))), ...(p && f ? [ratio(get(p, path), get(f, path))] : [])]);
  for (const n of names) if (report.targets[n].error) rows.push([`${n} error`, report.targets[n].error]);
  out.push(grid([header, ...rows]));
  out.push('processes over the measured window (CPU % of one core, peak RSS MiB; * = peak of the window):');
  for (const n of names) {
    const procs = report.targets[n].procs?.procs ?? [];
    out.push(`  ${n}: ${procs.map((x) => (x.gone ? `${x.name} gone` : `${x.name} ${x.cpuPct}% ${x.peakRssMiB}${x.peakIsWindow ? '*' : ''}`)).join(', ')}`);
  }
  for (const n of names) {
    const steps = report.targets[n].timeBreakdown;
    if (!steps?.length) continue;
    out.push(`  ${n}: where a message's time goes (mean over the window, and p99 estimated from the buckets, from the services' /metrics):`);
    for (const s of steps) out.push(`    ${s.step.padEnd(56)} ${String(s.meanMs).padStart(8)} ms  p99 ≈ ${String(s.p99Ms ?? '-').padStart(7)} ms  (${s.count})`);
  }
  for (const n of names) {
    const reads = report.targets[n].deliveryReads;
    if (!reads) continue;
    // What routing saves: a gateway reads the pushes for its own sockets (own), not everyone's (broadcast, other).
    out.push(`  ${n}: deliveries each gateway read over the window: ${Object.entries(reads).map(([g, r]) => `${g} own ${r.own}, broadcast ${r.broadcast}, other ${r.other}`).join('; ')}`);
  }
  for (const n of names) {
    const r = report.targets[n];
    const samples = r.ackErrorSamples ?? r.firstFailed?.ackErrorSamples;
    if (samples && Object.keys(samples).length) {
      const lat = r.ackErrorLatency ?? r.firstFailed?.ackErrorLatency;
      out.push(`  ${n} refusals: ${Object.entries(samples).map(([c, m]) => `${c} "${m}"`).join('; ')} (answered after p50 ${lat?.p50} ms)`);
    }
  }
  for (const n of names) if (report.targets[n].cpu?.netPerProcess) out.push(`  ${n} net CPU ms per message: ${Object.entries(report.targets[n].cpu.netPerProcess).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const n of names) if (report.targets[n].idleCpu) out.push(`  ${n} idle: ${report.targets[n].idleCpu.cpuPctTotal}% of one core`);
  out.push(`load average ${report.machineBefore.loadAverage.join(' ')} → ${report.machineAfter.loadAverage.join(' ')}; ${report.machineBefore.nproc} cores`);
  for (const v of report.verdicts) out.push(`  target ${v.target}: ${v.met ? 'MET' : 'NOT MET'} (${v.measured})`);
  return out.join('\n');
}

function grid(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c ?? '').padStart(widths[i]))).join('  ')).join('\n');
}

function summaryTable(all) {
  const lines = ['== targets of issue 14 (platform)'];
  for (const r of all) for (const v of r.verdicts) lines.push(`  ${r.scenario.padEnd(10)} ${v.met ? 'MET    ' : 'NOT MET'}  ${v.target}: ${v.measured}`);
  return lines.join('\n');
}

main()
  .then(() => shutdown(0))
  .catch(async (err) => {
    say(`failed: ${err.stack ?? err}`);
    await shutdown(1);
  });
