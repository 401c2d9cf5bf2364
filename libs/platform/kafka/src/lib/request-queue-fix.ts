/**
 * kafkajs 2.2.4, its last release, keeps every broker connection in a 1 ms timer loop while
 * nothing is pending: `scheduleCheckPendingRequests` computes `throttledUntil - now`, which is
 * negative when no throttle is on (`throttledUntil` starts at -1), arms a timer with it (Node
 * turns that into 1 ms and, since Node 24, warns `TimeoutNegativeWarning`), and the check it
 * runs arms the next one. A platform at rest spent most of its CPU there (upstream issues
 * tulios/kafkajs#1556, #1704, #1751; the fixes were never released).
 *
 * The fix, applied to the class kafkajs itself uses: arm a timer only for something that
 * needs one, a pending request (checked every 10 ms, or when the throttle ends) or a throttle
 * still running. Requests are sent at once when they can be, and a finished request checks
 * the queue itself, exactly as before.
 */

/** The fields of kafkajs' RequestQueue the check reads (kafkajs/src/network/requestQueue). */
export interface RequestQueueFields {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  inflight: Map<number, unknown>;
  maxInFlightRequests: number | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs' own interval for a pending request that is not throttled. */
export const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

export function scheduleCheckPendingRequests(this: RequestQueueFields): void {
  if (this.throttleCheckTimeoutId) return;
  const throttledFor = this.throttledUntil - Date.now();
  let delay: number;
  if (this.pending.length > 0) delay = throttledFor > 0 ? throttledFor : CHECK_PENDING_REQUESTS_INTERVAL_MS;
  else if (throttledFor > 0) delay = throttledFor;
  else return; // nothing waits and nothing is throttled: no timer
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delay);
}

let applied = false;

/** Replaces the method on kafkajs' RequestQueue (once); returns the class it patched. */
export function fixKafkajsRequestQueue(): { prototype: RequestQueueFields } {
  // Internal path, pinned by the lockfile (kafkajs 2.2.4); the spec fails if it moves.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueFields };
  if (!applied) {
    RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
    applied = true;
  }
  return RequestQueue;
}
