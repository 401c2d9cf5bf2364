import { WriteTimeoutError } from '@chat/platform-batching';
import { isTransient } from './errors';

const named = (name: string, message: string, extra: object = {}) => Object.assign(new Error(message), { name }, extra);

describe('isTransient', () => {
  it('retries what a database or broker outage throws, also when wrapped', () => {
    expect(isTransient(named('MongoNetworkError', 'connection 3 to 127.0.0.1:27017 closed'))).toBe(true);
    // insertMany and bulkWrite wrap the network failure in a MongoBulkWriteError.
    expect(isTransient(named('MongoBulkWriteError', 'connect ECONNREFUSED 127.0.0.1:27017'))).toBe(true);
    expect(isTransient(named('MongoBulkWriteError', 'Server selection timed out after 3000 ms'))).toBe(true);
    expect(isTransient(named('MongoBulkWriteError', 'something', { hasErrorLabel: (l: string) => l === 'RetryableWriteError' }))).toBe(true);
    // kafkajs gives up with a non-retriable error whose cause is the retriable connection error.
    const refused = named('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED', { retriable: true });
    expect(isTransient(named('KafkaJSNonRetriableError', 'Connection error', { retriable: false, cause: refused }))).toBe(true);
    // A batched write that never settled within its bound: its outcome is unknown, and the writes are idempotent.
    expect(isTransient(new WriteTimeoutError(60_000))).toBe(true);
  });

  it('does not retry what a retry cannot fix', () => {
    expect(isTransient(named('MongoBulkWriteError', 'E11000 duplicate key error', { code: 11000, hasErrorLabel: () => false }))).toBe(false);
    expect(isTransient(named('KafkaJSNonRetriableError', 'Invalid topic', { retriable: false }))).toBe(false);
    expect(isTransient(new TypeError("Cannot read properties of undefined (reading 'seq')"))).toBe(false);
    expect(isTransient(null)).toBe(false);
  });
});
