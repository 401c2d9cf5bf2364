#!/usr/bin/env node
// Summarizes V8 CPU profiles: self time by package and the top functions.
//   node bench/profile-summary.mjs <file.cpuprofile>... [--top 25] [--json]
import { parseArgs } from 'node:util';
import { formatProfile, summarizeProfile } from './lib/profile.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' }, json: { type: 'boolean', default: false } },
});
if (positionals.length === 0) {
  process.stderr.write('usage: node bench/profile-summary.mjs <file.cpuprofile>... [--top 25] [--json]\n');
  process.exit(2);
}
for (const file of positionals) {
  const s = summarizeProfile(file, Number(values.top));
  process.stdout.write(values.json ? `${JSON.stringify(s, null, 2)}\n` : `${formatProfile(s)}\n\n`);
}
