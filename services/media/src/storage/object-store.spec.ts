import { S3ServiceException } from '@aws-sdk/client-s3';
import type { ConfigService } from '@nestjs/config';
import type { Env } from '../config';
import { ObjectStore } from './object-store';

const config = (values: Record<string, string>) => ({ get: (key: string) => values[key] }) as unknown as ConfigService<Env, true>;
const status = (code: number, name = 'S3Error') => new S3ServiceException({ name, $fault: code < 500 ? 'client' : 'server', $metadata: { httpStatusCode: code } });

function store(send: (command: { constructor: { name: string } }) => Promise<unknown>) {
  const s = new ObjectStore(config({ S3_ENDPOINT: 'http://store:8333', S3_BUCKET: 'b', S3_REGION: 'us-east-1', S3_CREATE_BUCKET: 'true', S3_FORCE_PATH_STYLE: 'auto' }));
  Object.assign(s, { client: { send, destroy: () => undefined } });
  return s;
}

describe('ObjectStore start-up', () => {
  it('waits for a store that does not answer yet, then makes the missing bucket', async () => {
    const seen: string[] = [];
    let calls = 0;
    const s = store(async (c) => {
      seen.push(c.constructor.name);
      if (++calls === 1) throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' });
      if (c.constructor.name === 'HeadBucketCommand') throw status(404, 'NotFound');
      return {};
    });
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const init = s.onModuleInit();
      await jest.advanceTimersByTimeAsync(3000);
      await init;
    } finally {
      jest.useRealTimers();
    }
    expect(seen).toEqual(['HeadBucketCommand', 'HeadBucketCommand', 'CreateBucketCommand']);
  });

  it('fails at once when the store refuses (a wrong key), and after its bound when it never answers, naming the store', async () => {
    await expect(store(async () => Promise.reject(status(403, 'Forbidden'))).onModuleInit()).rejects.toThrow(S3ServiceException);
    await expect(store(async () => Promise.reject(new Error('socket hang up'))).onModuleInit(1000)).rejects.toThrow(
      'object store at http://store:8333 did not answer for bucket b within 1 s: socket hang up',
    );
  });
});
