// Latency histograms: HDR, recorded in microseconds, reported in milliseconds.
import hdr from 'hdr-histogram-js';

const MAX_US = 600_000_000; // ten minutes: anything later is clamped (and would be counted lost anyway)

export function histogram() {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: MAX_US, numberOfSignificantValueDigits: 3 });
}

export function recordMs(h, ms) {
  h.recordValue(Math.max(0, Math.min(MAX_US, Math.round(ms * 1000))));
}

/** {count, p50, p90, p99, p999, max, mean} in ms, or null when nothing was recorded. */
export function summary(h) {
  if (!h.totalCount) return null;
  const at = (q) => h.getValueAtPercentile(q) / 1000;
  return {
    count: h.totalCount,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    max: h.maxValue / 1000,
    mean: Math.round(h.mean) / 1000,
  };
}
