// Preloaded into a process under test (NODE_OPTIONS=--require ...): SIGUSR2
// starts a V8 CPU profile, the next SIGUSR2 stops it and writes
// $BENCH_PROFILE_DIR/<BENCH_PROFILE_NAME>-<pid>-<n>.cpuprofile. The bench
// profiles only its measured windows, not start-up, and needs no clean exit
// (`node --cpu-prof` writes nothing when a process dies by its signal).
'use strict';
const { Session } = require('node:inspector');
const { writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.BENCH_PROFILE_DIR;
const name = process.env.BENCH_PROFILE_NAME || 'process';
if (dir) {
  const session = new Session();
  session.connect();
  let running = false;
  let n = 0;
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start')),
      );
      return;
    }
    running = false;
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${name}-${process.pid}-${n++}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
