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
 *
 * The second timer: every connection also checks its requests for a timeout every 100 ms
 * (`scheduleRequestTimeoutCheck`), busy or not. A consumer always holds a fetch, so a service
 * with six connections woke 60 times a second for it at rest, for timeouts of 30 s. The fix
 * checks every connection of the process from one timer, once a second
 * (REQUEST_TIMEOUT_SWEEP_MS): a timed-out request is failed up to a second later, nothing else
 * changes.
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

/** How often the one sweep checks every connection's requests for a timeout (kafkajs: every 100 ms, per connection). */
export const REQUEST_TIMEOUT_SWEEP_MS = 1000;

/** The fields of kafkajs' RequestQueue the timeout check reads. */
export interface RequestQueueTimeoutFields {
  enforceRequestTimeout: boolean;
  inflight: Map<number, { sentAt: number; requestTimeout: number; timeoutRequest(): void }>;
  isConnected(): boolean;
  destroy(): void;
}

const watched = new Set<RequestQueueTimeoutFields>();
let sweeper: NodeJS.Timeout | undefined;

/** Fails every request that has waited past its timeout, on every watched connection; forgets closed connections. */
export function sweepRequestTimeouts(now = Date.now()): void {
  for (const q of watched) {
    q.inflight.forEach((request) => {
      if (now - request.sentAt > request.requestTimeout) request.timeoutRequest();
    });
    if (!q.isConnected()) unwatch(q);
  }
}

function unwatch(q: RequestQueueTimeoutFields): void {
  watched.delete(q);
  if (watched.size === 0 && sweeper) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

/** Replaces kafkajs' per-connection 100 ms interval: the connection joins the one sweep. */
export function scheduleRequestTimeoutCheck(this: RequestQueueTimeoutFields): void {
  if (!this.enforceRequestTimeout) return;
  this.destroy();
  watched.add(this);
  if (!sweeper) {
    sweeper = setInterval(() => sweepRequestTimeouts(), REQUEST_TIMEOUT_SWEEP_MS);
    // The connections keep the process alive; the sweep need not.
    sweeper.unref();
  }
}

/** How many connections the sweep watches (for tests). */
export function watchedConnections(): number {
  return watched.size;
}

let applied = false;

/** Replaces the methods on kafkajs' RequestQueue (once); returns the class it patched. */
export function fixKafkajsRequestQueue(): { prototype: RequestQueueFields } {
  // Internal path, pinned by the lockfile (kafkajs 2.2.4); the spec fails if it moves.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueFields & RequestQueueTimeoutFields & { scheduleRequestTimeoutCheck(): void } };
  if (!applied) {
    const proto = RequestQueue.prototype;
    proto.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
    const destroy = proto.destroy;
    proto.destroy = function (this: RequestQueueFields & RequestQueueTimeoutFields) {
      destroy.call(this);
      unwatch(this);
    };
    proto.scheduleRequestTimeoutCheck = scheduleRequestTimeoutCheck;
    applied = true;
  }
  return RequestQueue;
}
