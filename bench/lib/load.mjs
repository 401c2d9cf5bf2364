// The open-model load loop. Message k has an intended send time
// t0 + k/rate, fixed before the run; it is sent as soon as the generator can
// (at or after that time), carries that time in its text, and every latency
// is measured from it. A stall anywhere (the platform, the network, or the
// generator itself) therefore shows up in the figures instead of silently
// lowering the offered rate.
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { histogram, recordMs, summary } from './hist.mjs';
import { round } from './procs.mjs';

const clock = () => performance.timeOrigin + performance.now(); // ms since the epoch, sub-millisecond

/**
 * Runs one load window.
 *  members: [{userId, socket}] — every socket whose message:new we watch
 *  pick(k) → {socket, userId, conv}: who sends message k, where;
 *           conv = {id, size, pos: Map(userId → index in 0..size-1)}
 *  rate (msg/s), durationS, drainS: how long to wait after the last send for acks and deliveries
 *  slots: the largest conv.size (deliveries are tracked per message and member)
 */
export async function runLoad({ members, pick, rate, durationS, drainS = 10, slots, maxMessages = 2_000_000 }) {
  const run = randomBytes(4).toString('hex');
  const total = Math.min(maxMessages, Math.max(1, Math.round(rate * durationS)));
  const intervalMs = 1000 / rate;
  const ack = histogram();
  const e2e = histogram();
  const lag = histogram(); // how late the generator itself sent (its own share of any stall)
  if (total * slots > 64_000_000) throw new Error(`a window of ${total} messages to ${slots} members is too large to track`);
  const seen = new Uint8Array(total * slots); // deliveries per (message, member position)
  const convOf = new Array(total); // the conversation of each message sent
  const lastSeq = new Map(); // `${conv}|${pos}` → last seq seen, for order
  const ackErrors = {};
  const errorSamples = {}; // the first message of each refusal code
  const errorLatency = histogram(); // how long a refusal took
  let sent = 0;
  let acked = 0;
  let expected = 0;
  let delivered = 0;
  let duplicates = 0;
  let echoes = 0;
  let reordered = 0;
  let foreign = 0;
  let disconnects = 0;
  let lastDeliveryAt = 0;
  let lastAckAt = 0;
  const prefix = `bench ${run} `;

  const listeners = [];
  for (const { userId, socket } of members) {
    const onNew = (payload) => {
      const m = payload?.message;
      const text = m?.text;
      if (typeof text !== 'string' || !text.startsWith(prefix)) return;
      const now = clock();
      const sp = text.indexOf(' ', prefix.length);
      const k = Number(text.slice(prefix.length, sp));
      const intended = Number(text.slice(sp + 1));
      if (!(k >= 0 && k < total)) return;
      if (m.senderId === userId) {
        echoes++;
        lastDeliveryAt = now;
        return;
      }
      const conv = convOf[k];
      const pos = conv?.pos.get(userId);
      if (pos === undefined) {
        foreign++; // pushed to someone who is not a member: a privacy bug, worth a count of its own
        return;
      }
      const slot = k * slots + pos;
      if (seen[slot]) {
        duplicates++;
        return;
      }
      seen[slot] = 1;
      delivered++;
      lastDeliveryAt = now;
      recordMs(e2e, now - intended);
      const key = `${conv.id}|${pos}`;
      const prev = lastSeq.get(key) ?? 0;
      if (m.seq <= prev) reordered++;
      else lastSeq.set(key, m.seq);
    };
    const onDisconnect = () => disconnects++;
    socket.on('message:new', onNew);
    socket.on('disconnect', onDisconnect);
    listeners.push(() => {
      socket.off('message:new', onNew);
      socket.off('disconnect', onDisconnect);
    });
  }
  const send = (k, intended) => {
    const { socket, conv } = pick(k);
    convOf[k] = conv;
    expected += conv.size - 1;
    const now = clock();
    recordMs(lag, now - intended);
    sent++;
    socket.emit(
      'message:send',
      { conversationId: conv.id, text: `${prefix}${k} ${intended.toFixed(3)}`, clientMsgId: `${run}-${k}` },
      (answer) => {
        const at = clock();
        lastAckAt = at;
        if (answer?.ok) {
          acked++;
          recordMs(ack, at - intended);
        } else {
          const code = answer?.error?.code ?? 'NO_ANSWER';
          ackErrors[code] = (ackErrors[code] ?? 0) + 1;
          errorSamples[code] ??= answer?.error?.message ?? String(answer);
          recordMs(errorLatency, at - intended);
        }
      },
    );
  };

  // Send on schedule: each tick sends everything that is due, never more.
  const t0 = clock() + 20;
  let next = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((clock() - t0) / intervalMs) + 1);
      while (next < due) {
        send(next, t0 + next * intervalMs);
        next++;
      }
      if (next >= total) return resolve();
      const wait = t0 + next * intervalMs - clock();
      setTimeout(tick, wait > 1 ? Math.min(wait, 50) - 0.5 : 0);
    };
    setTimeout(tick, 20);
  });
  const sendEnd = clock();

  // Drain: until everything is acked and delivered, or the drain time runs out.
  const drainUntil = clock() + drainS * 1000;
  const answered = () => acked + Object.values(ackErrors).reduce((a, b) => a + b, 0);
  while (clock() < drainUntil && (answered() < sent || delivered < expected)) await sleep(20);
  for (const off of listeners) off();

  const answers = answered();
  const windowS = (sendEnd - t0) / 1000;
  const deliveredWindowS = ((lastDeliveryAt || sendEnd) - t0) / 1000;
  return {
    run,
    offeredRate: rate,
    durationS: round(windowS, 2),
    sent,
    acked,
    ackErrors,
    ackErrorSamples: errorSamples,
    ackErrorLatency: summary(errorLatency),
    unacked: sent - answers,
    refused: answers - acked,
    expected,
    delivered,
    lost: expected - delivered,
    duplicates,
    reordered,
    foreign,
    echoes,
    disconnects,
    throughput: {
      sentPerS: round(sent / windowS, 1),
      ackedPerS: round(acked / Math.max(windowS, ((lastAckAt || sendEnd) - t0) / 1000), 1),
      deliveredPerS: round(delivered / deliveredWindowS, 1),
      // Every socket that got the message, the sender's own included (what the server pushed).
      pushesPerS: round((delivered + echoes) / deliveredWindowS, 1),
    },
    ack: summary(ack),
    e2e: summary(e2e),
    generatorLag: summary(lag),
  };
}
