// Preloaded by the bench into the processes under test (NODE_OPTIONS=--require ...).
// It does nothing until signalled, and only with signals whose default is to
// be ignored and that NestJS's shutdown hooks do not take (they take SIGUSR2):
//  - SIGURG starts a V8 CPU profile; the next SIGURG stops it and writes
//    $BENCH_PROFILE_DIR/<BENCH_PROFILE_NAME>-<pid>-<n>.cpuprofile (only when
//    BENCH_PROFILE_DIR is set). The bench profiles its measured windows, not
//    start-up, and needs no clean exit (`node --cpu-prof` writes nothing when
//    a process dies by its signal).
//  - SIGWINCH runs a full garbage collection, so that the heap the sockets
//    scenario reads from /metrics is what is live, not what awaits collection.
'use strict';
const { Session } = require('node:inspector');
const { writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');
const v8 = require('node:v8');
const vm = require('node:vm');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
process.on('SIGWINCH', () => gc());

const dir = process.env.BENCH_PROFILE_DIR;
const name = process.env.BENCH_PROFILE_NAME || 'process';
if (dir) {
  let session = null;
  let running = false;
  let n = 0;
  process.on('SIGURG', () => {
    if (!session) {
      session = new Session();
      session.connect();
    }
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
