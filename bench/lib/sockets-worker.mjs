// One process of idle Socket.IO clients for the sockets scenario (forked by
// scenarios.mjs with an IPC channel). A single process cannot hold 50,000
// clients comfortably, and one source address has only ~28,000 ephemeral
// ports toward one server port, so each worker connects from its own
// 127.0.0.x source address. It exits by itself when its parent goes away or
// its time is up.
import { connect } from './client.mjs';

let sockets = [];
let connecting = true;
let failed = 0;
let drops = 0;
const errors = {};

const report = (type, extra = {}) =>
  process.send?.({ type, connected: sockets.length, failed, drops, errors, rssBytes: process.memoryUsage().rss, heapBytes: process.memoryUsage().heapUsed, ...extra });

async function open({ url, tokens, count, localAddress, concurrency, timeoutMs }) {
  let next = 0;
  const progress = setInterval(() => report('progress'), 1000);
  const one = async () => {
    while (connecting && next < count) {
      const i = next++;
      try {
        const socket = await connect(url, tokens[i % tokens.length], { localAddress, timeoutMs });
        socket.on('disconnect', () => drops++);
        sockets.push(socket);
      } catch (err) {
        failed++;
        const key = String(err?.message ?? err).slice(0, 80);
        errors[key] = (errors[key] ?? 0) + 1;
        // A server that refuses everyone should not be hammered: give up after many failures.
        if (failed > Math.max(200, count * 0.05)) connecting = false;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, one));
  clearInterval(progress);
  report('opened');
}

function closeAll() {
  connecting = false;
  for (const s of sockets) s.close();
  sockets = [];
  report('closed');
  setTimeout(() => process.exit(0), 200);
}

process.on('message', (msg) => {
  if (msg.cmd === 'open') {
    setTimeout(closeAll, msg.maxLifeMs ?? 15 * 60_000).unref();
    void open(msg);
  } else if (msg.cmd === 'stop-connecting') connecting = false;
  else if (msg.cmd === 'report') report('progress');
  else if (msg.cmd === 'close') closeAll();
});
process.on('disconnect', () => process.exit(0)); // the parent is gone
