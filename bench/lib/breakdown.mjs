// Where a message's time goes inside the platform, from the services' own Prometheus
// histograms (GET /metrics on each service's port), scraped before and after a measured
// window: the mean of each histogram over the window is Δsum / Δcount, exact whatever the
// buckets. The floor has no such metrics; a platform reached through CHAT_URL gives the
// gateway's only.

/** What the table shows, in the order a message crosses them. */
export const STEPS = [
  { label: 'gateway: message:send to its ack', service: 'gateway', metric: 'chat_socket_request_seconds', labels: { event: 'message:send' } },
  // A Kafka hop: the record's produce (its timestamp) to the consumer's batch (chat_bus_hop_seconds).
  { label: 'Kafka hop: the command to messaging', service: 'messaging', metric: 'chat_bus_hop_seconds', labels: { topic: 'chat.messaging.commands.v1' } },
  { label: 'messaging: messages.send handled', service: 'messaging', metric: 'chat_handler_seconds', labels: { type: 'messages.send', outcome: 'ok' } },
  { label: '  of which: store (insert)', service: 'messaging', metric: 'chat_messaging_send_step_seconds', labels: { step: 'store' } },
  { label: '  of which: push (delivery and answer produced)', service: 'messaging', metric: 'chat_messaging_send_step_seconds', labels: { step: 'push' } },
  { label: '  of which: record (timeline)', service: 'messaging', metric: 'chat_messaging_send_step_seconds', labels: { step: 'record' } },
  { label: 'Kafka hop: the answer to the gateway', service: 'gateway', metric: 'chat_bus_hop_seconds', labels: { topic: 'chat.replies.v1' } },
  { label: 'Kafka hop: the delivery to the gateway', service: 'gateway', metric: 'chat_bus_hop_seconds', labels: { topic: 'chat.deliveries.v1' } },
  { label: 'delivery: pushed by messaging to pushed by the gateway', service: 'gateway', metric: 'chat_delivery_lag_seconds', labels: {} },
];

/** `name{a="b",c="d"} value` lines of a Prometheus text page: [{ name, labels, value }]. */
export function parsePrometheus(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

function sumAndCount(samples, metric, labels) {
  const match = (s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v);
  const pick = (suffix) => samples.filter((s) => s.name === `${metric}${suffix}` && match(s)).reduce((a, s) => a + s.value, 0);
  return { sum: pick('_sum'), count: pick('_count') };
}

/**
 * A quantile of a histogram's observations over the window, from the buckets' deltas, as
 * Prometheus' histogram_quantile estimates it (linear within the bucket that holds it).
 */
export function bucketQuantile(beforeSamples, afterSamples, metric, labels, q) {
  const match = (s) => s.name === `${metric}_bucket` && Object.entries(labels).every(([k, v]) => s.labels[k] === v);
  const cumulative = (samples) => {
    const byLe = new Map();
    for (const s of samples.filter(match)) byLe.set(s.labels.le, (byLe.get(s.labels.le) ?? 0) + s.value);
    return byLe;
  };
  const a = cumulative(beforeSamples);
  const b = cumulative(afterSamples);
  const les = [...b.keys()].sort((x, y) => (x === '+Inf' ? 1 : y === '+Inf' ? -1 : Number(x) - Number(y)));
  const total = (b.get('+Inf') ?? 0) - (a.get('+Inf') ?? 0);
  if (total <= 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const le of les) {
    const count = (b.get(le) ?? 0) - (a.get(le) ?? 0);
    if (count >= rank) {
      if (le === '+Inf') return prevLe; // beyond the last bound: the bound is all we know
      const upper = Number(le);
      const inBucket = count - prevCount;
      return inBucket > 0 ? prevLe + ((upper - prevLe) * (rank - prevCount)) / inBucket : upper;
    }
    prevLe = Number(le);
    prevCount = count;
  }
  return null;
}

/** Scrapes every service with a metrics URL; a service that does not answer is left out. */
export async function scrapeAll(urls) {
  const pages = {};
  await Promise.all(
    Object.entries(urls ?? {}).map(async ([service, url]) => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
        if (res.ok) pages[service] = parsePrometheus(await res.text());
      } catch {
        // left out
      }
    }),
  );
  return pages;
}

/** Mean ms and count of each step over the window between two scrapes. */
export function breakdown(before, after) {
  const rows = [];
  for (const step of STEPS) {
    // Replicas (gateway-2 …) count with their service.
    const names = Object.keys(after).filter((k) => (k === step.service || k.startsWith(`${step.service}-`)) && before[k]);
    if (names.length === 0) continue;
    const total = (pages) => names.map((k) => sumAndCount(pages[k], step.metric, step.labels)).reduce((x, y) => ({ sum: x.sum + y.sum, count: x.count + y.count }), { sum: 0, count: 0 });
    const a = total(before);
    const b = total(after);
    const count = b.count - a.count;
    if (count <= 0) continue;
    // The p99 from the buckets (one replica's; the first), an estimate within its bucket.
    const p99 = bucketQuantile(before[names[0]], after[names[0]], step.metric, step.labels, 0.99);
    rows.push({ step: step.label, count, meanMs: Math.round(((b.sum - a.sum) / count) * 1e6) / 1e3, ...(p99 === null ? {} : { p99Ms: Math.round(p99 * 1e6) / 1e3 }) });
  }
  return rows;
}

/**
 * What each gateway read of the deliveries over the window, from its
 * chat_deliveries_received_total: routed to it (`own`), sent to every gateway
 * (`broadcast`), and another gateway's that shared its partition (`other`, dropped).
 */
export function deliveryReads(before, after) {
  const out = {};
  for (const name of Object.keys(after).filter((k) => (k === 'gateway' || k.startsWith('gateway-')) && before[k])) {
    const count = (pages, key) => pages[name].filter((s) => s.name === 'chat_deliveries_received_total' && s.labels.key === key).reduce((a, s) => a + s.value, 0);
    out[name] = Object.fromEntries(['own', 'broadcast', 'other'].map((key) => [key, count(after, key) - count(before, key)]));
  }
  return out;
}
