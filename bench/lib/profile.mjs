// Reads a V8 .cpuprofile and says where the time went: self time per
// function, and per package (node_modules/<pkg>, the service's own bundle,
// Node internals, GC, idle).
import { readFileSync } from 'node:fs';

function packageOf(url) {
  if (!url) return null;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const svc = /dist\/services\/([^/]+)\//.exec(url);
  if (svc) return `(own code: ${svc[1]})`;
  if (/bench\/floor\//.test(url)) return '(own code: floor)';
  if (url.startsWith('node:')) return `(node: ${url.slice(5).split('/').slice(0, 2).join('/')})`;
  return url.split('/').slice(-1)[0];
}

export function summarizeProfile(file, top = 20) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  // timeDeltas[i] is the time before sample i; attribute it to that sample's node.
  const { samples = [], timeDeltas = [] } = profile;
  for (let i = 0; i < samples.length; i++) {
    const d = timeDeltas[i + 1] ?? 0;
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, d));
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const fns = new Map();
  const pkgs = new Map();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const special = cf.functionName.startsWith('(') && !cf.url ? cf.functionName : null; // (idle), (garbage collector), (program)
    const pkg = special ?? packageOf(cf.url) ?? '(native)';
    const fn = special ?? `${cf.functionName || '(anonymous)'} ${pkg}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + us);
  }
  const idleUs = fns.get('(idle)') ?? 0;
  const busyUs = totalUs - idleUs || 1;
  const rank = (m) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), pctOfBusy: name === '(idle)' ? null : Math.round((1000 * us) / busyUs) / 10 }));
  return {
    file,
    wallMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    busyPct: Math.round((1000 * busyUs) / totalUs) / 10,
    functions: rank(fns),
    packages: rank(pkgs),
  };
}

export function formatProfile(s) {
  const lines = [`${s.file}: ${s.wallMs} ms profiled, ${s.busyMs} ms busy (${s.busyPct}%)`, '', 'self time by package (% of busy):'];
  for (const p of s.packages) lines.push(`  ${String(p.pctOfBusy ?? '-').padStart(5)}%  ${String(p.ms).padStart(7)} ms  ${p.name}`);
  lines.push('', 'top functions by self time (% of busy):');
  for (const f of s.functions) lines.push(`  ${String(f.pctOfBusy ?? '-').padStart(5)}%  ${String(f.ms).padStart(7)} ms  ${f.name}`);
  return lines.join('\n');
}
