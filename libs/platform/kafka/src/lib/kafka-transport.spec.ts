import type { KafkaMessage } from 'kafkajs';
import { Observable } from 'rxjs';
import type { Envelope } from '@chat/contracts';
import type { KafkaBus } from './kafka-bus';
import { KafkaTransport } from './kafka-transport';

/** A bus whose produce fails for the first `failures` calls, as when the broker is away. */
function fakeBus(failures: number) {
  const replies: unknown[] = [];
  let calls = 0;
  const bus = {
    options: { namespace: 't' },
    topic: (name: string) => `t.${name}`,
    reply: jest.fn((_to: string, _correlationId: string, payload: unknown) => {
      calls++;
      if (calls <= failures) return Promise.reject(Object.assign(new Error('Connection error: connect ECONNREFUSED'), { name: 'KafkaJSConnectionError' }));
      replies.push(payload);
      return Promise.resolve();
    }),
    produceRaw: jest.fn(() => Promise.resolve()),
  };
  return { bus: bus as unknown as KafkaBus, replies };
}

function sendMessage(): KafkaMessage {
  const envelope: Envelope = {
    id: 'env-1',
    type: 'messages.send',
    version: 1,
    time: new Date(0).toISOString(),
    correlationId: 'corr-1',
    replyTo: 'gateway-1',
    payload: { actorId: 'u1', conversationId: 'c1', text: 'hi', clientMsgId: 'm1' },
  };
  return { key: Buffer.from('c1'), value: Buffer.from(JSON.stringify(envelope)), offset: '7', timestamp: '0', attributes: 0, headers: {} } as KafkaMessage;
}

type Handle = (topic: string, partition: number, m: KafkaMessage, b: { firstOffset: string; lastOffset: string }, hb: () => Promise<void>, live: () => boolean) => Promise<boolean>;

describe('KafkaTransport', () => {
  it('survives an Observable handler whose early answer and later work both fail (broker away), then answers on the retry', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { bus, replies } = fakeBus(1);
      const transport = new KafkaTransport(bus, { groupId: 'g' });
      let attempt = 0;
      transport.addHandler('messages.send', async () => {
        attempt++;
        const failing = attempt === 1;
        return new Observable((subscriber) => {
          subscriber.next({ stored: attempt });
          // The push after the answer fails while the broker is away.
          setImmediate(() => (failing ? subscriber.error(Object.assign(new Error('Connection error: connect ECONNREFUSED'), { name: 'KafkaJSConnectionError' })) : subscriber.complete()));
        });
      });
      const handle = (transport as unknown as { handle: Handle }).handle.bind(transport);
      const done = await handle('t.messaging.commands', 0, sendMessage(), { firstOffset: '7', lastOffset: '7' }, async () => undefined, () => true);
      await new Promise((r) => setImmediate(r));
      expect(done).toBe(true);
      expect(attempt).toBe(2);
      expect(replies).toEqual([{ inReplyTo: 'env-1', ok: true, data: { stored: 2 } }]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
