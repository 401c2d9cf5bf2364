import { CHECK_PENDING_REQUESTS_INTERVAL_MS, fixKafkajsRequestQueue, REQUEST_TIMEOUT_SWEEP_MS, watchedConnections, type RequestQueueFields, type RequestQueueTimeoutFields } from './request-queue-fix';

type Queue = RequestQueueFields & RequestQueueTimeoutFields & { scheduleRequestTimeoutCheck(): void };
type RequestQueueClass = { new (options: object): Queue; prototype: Queue };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as RequestQueueClass;
const original = RequestQueue.prototype.scheduleCheckPendingRequests;
const originalTimeoutCheck = RequestQueue.prototype.scheduleRequestTimeoutCheck;
const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** kafkajs' own queue, as a broker connection makes it (one request in flight at most here). */
function queue(opts: { enforceRequestTimeout?: boolean; isConnected?: () => boolean } = {}): Queue {
  return new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'spec', broker: 'b:9092', logger: () => logger, ...opts });
}

/** An in-flight request as kafkajs' SocketRequest keeps it. */
function inflight(sentAt: number, requestTimeout = 30_000) {
  return { sentAt, requestTimeout, timeoutRequest: jest.fn() };
}

describe("kafkajs' RequestQueue at rest", () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => {
    jest.clearAllTimers();
    jest.useRealTimers();
  });

  it('as released, spins: at rest each check arms the next 1 ms timer', () => {
    const q = queue();
    const check = jest.spyOn(q, 'checkPendingRequests');
    original.call(q);
    jest.advanceTimersByTime(50);
    // The loop the fix removes: one check per millisecond with nothing to do.
    expect(check.mock.calls.length).toBeGreaterThanOrEqual(40);
  });

  it('as released, every connection checks its requests for a timeout every 100 ms', () => {
    const q = queue({ enforceRequestTimeout: true, isConnected: () => true });
    const request = inflight(Date.now());
    q.inflight.set(1, request);
    const now = jest.spyOn(Date, 'now');
    originalTimeoutCheck.call(q);
    expect(jest.getTimerCount()).toBe(1);
    now.mockClear();
    jest.advanceTimersByTime(1000);
    // Ten wakeups a second per connection, each reading the clock for every request in flight.
    expect(now.mock.calls.length).toBeGreaterThanOrEqual(10);
    q.destroy();
    now.mockRestore();
  });

  describe('fixed', () => {
    beforeAll(() => fixKafkajsRequestQueue());

    it('are the methods kafkajs calls', () => {
      expect(RequestQueue.prototype.scheduleCheckPendingRequests).not.toBe(original);
      expect(RequestQueue.prototype.scheduleRequestTimeoutCheck).not.toBe(originalTimeoutCheck);
    });

    it('arms no timer when nothing is pending and nothing is throttled', () => {
      const q = queue();
      q.checkPendingRequests();
      q.scheduleCheckPendingRequests();
      expect(q.throttleCheckTimeoutId).toBeNull();
      expect(jest.getTimerCount()).toBe(0);
    });

    it('checks a pending request every 10 ms until it can go, then stops', () => {
      const q = queue();
      q.inflight.set(1, {}); // the one slot is taken: a new request waits
      q.pending.push({});
      const check = jest.spyOn(q, 'checkPendingRequests').mockImplementation(function (this: RequestQueueFields) {
        if (this.inflight.size === 0) this.pending.length = 0;
        this.scheduleCheckPendingRequests();
      });
      q.scheduleCheckPendingRequests();
      jest.advanceTimersByTime(CHECK_PENDING_REQUESTS_INTERVAL_MS * 3);
      expect(check).toHaveBeenCalledTimes(3);
      q.inflight.clear();
      jest.advanceTimersByTime(CHECK_PENDING_REQUESTS_INTERVAL_MS);
      expect(q.pending).toHaveLength(0);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('checks timeouts from one timer for every connection, once a second', () => {
      const a = queue({ enforceRequestTimeout: true, isConnected: () => true });
      const b = queue({ enforceRequestTimeout: true, isConnected: () => true });
      a.scheduleRequestTimeoutCheck();
      b.scheduleRequestTimeoutCheck();
      expect(jest.getTimerCount()).toBe(1);
      expect(watchedConnections()).toBe(2);
      const late = inflight(Date.now(), 1500);
      const fresh = inflight(Date.now());
      a.inflight.set(1, late);
      b.inflight.set(2, fresh);
      jest.advanceTimersByTime(REQUEST_TIMEOUT_SWEEP_MS);
      expect(late.timeoutRequest).not.toHaveBeenCalled();
      jest.advanceTimersByTime(REQUEST_TIMEOUT_SWEEP_MS);
      // Past its 1.5 s, failed at the next sweep; the other is left alone.
      expect(late.timeoutRequest).toHaveBeenCalledTimes(1);
      expect(fresh.timeoutRequest).not.toHaveBeenCalled();
      a.destroy();
      b.destroy();
      expect(watchedConnections()).toBe(0);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('forgets a connection that closed, and arms nothing when timeouts are not enforced', () => {
      let connected = true;
      const q = queue({ enforceRequestTimeout: true, isConnected: () => connected });
      q.scheduleRequestTimeoutCheck();
      expect(watchedConnections()).toBe(1);
      connected = false;
      jest.advanceTimersByTime(REQUEST_TIMEOUT_SWEEP_MS);
      expect(watchedConnections()).toBe(0);
      expect(jest.getTimerCount()).toBe(0);
      queue().scheduleRequestTimeoutCheck();
      expect(jest.getTimerCount()).toBe(0);
    });

    it('waits out a throttle the broker asked for, even with nothing pending yet', () => {
      const q = queue();
      q.throttledUntil = Date.now() + 250;
      const check = jest.spyOn(q, 'checkPendingRequests');
      q.scheduleCheckPendingRequests();
      jest.advanceTimersByTime(249);
      expect(check).not.toHaveBeenCalled();
      jest.advanceTimersByTime(1);
      expect(check).toHaveBeenCalledTimes(1);
    });
  });
});
