import { CHECK_PENDING_REQUESTS_INTERVAL_MS, fixKafkajsRequestQueue, type RequestQueueFields } from './request-queue-fix';

type RequestQueueClass = { new (options: object): RequestQueueFields; prototype: RequestQueueFields };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as RequestQueueClass;
const original = RequestQueue.prototype.scheduleCheckPendingRequests;
const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** kafkajs' own queue, as a broker connection makes it (one request in flight at most here). */
function queue(): RequestQueueFields {
  return new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'spec', broker: 'b:9092', logger: () => logger });
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

  describe('fixed', () => {
    beforeAll(() => fixKafkajsRequestQueue());

    it('is the method kafkajs calls', () => {
      expect(RequestQueue.prototype.scheduleCheckPendingRequests).not.toBe(original);
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
