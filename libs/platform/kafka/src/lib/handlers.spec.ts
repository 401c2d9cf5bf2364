import { Controller, Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { KafkaMessage } from 'kafkajs';
import { ChatError } from '@chat/contracts';
import type { CommandPayload, CommandReply, Envelope } from '@chat/contracts/bus';
import { OnCommand } from './handlers';
import type { KafkaBus } from './kafka-bus';
import type { KafkaContext } from './kafka-transport';
import { KafkaTransport } from './kafka-transport';

@Controller()
class Handlers {
  @OnCommand('users.get')
  get(p: CommandPayload<'users.get'>, ctx: KafkaContext): CommandReply<'users.get'> {
    if (p.userId === 'u1') throw new ChatError('NOT_FOUND', 'no such user');
    if (p.userId === 'u3') return { user: { id: p.userId, username: ctx.envelope.id, displayName: String(ctx.partition), avatarUrl: null } };
    throw new Error('a bug');
  }
}

function message(userId: string): KafkaMessage {
  const envelope: Envelope = {
    id: `env-${userId}`,
    type: 'users.get',
    version: 1,
    time: new Date(0).toISOString(),
    correlationId: 'corr-1',
    replyTo: 'gateway-1',
    payload: { userId },
  };
  return { key: Buffer.from(userId), value: Buffer.from(JSON.stringify(envelope)), offset: '1', timestamp: '0', attributes: 0, headers: {} } as KafkaMessage;
}

type Handle = (topic: string, partition: number, m: KafkaMessage, b: { firstOffset: string; lastOffset: string }, hb: () => Promise<void>, live: () => boolean) => Promise<boolean>;

describe('@OnCommand', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('a handler gets payload and context, and its ChatError reaches the caller with its own code, through Nest as the services run it', async () => {
    const replies: unknown[] = [];
    const bus = {
      options: { namespace: 't' },
      topic: (name: string) => `t.${name}`,
      reply: async (_to: string, _correlationId: string, payload: unknown) => void replies.push(payload),
      produceRaw: async () => undefined,
    } as unknown as KafkaBus;
    const transport = new KafkaTransport(bus, { groupId: 'g' });
    const module = await Test.createTestingModule({ controllers: [Handlers] }).compile();
    const app = module.createNestMicroservice({ strategy: transport });
    await app.init();
    const handle = (transport as unknown as { handle: Handle }).handle.bind(transport);
    const batch = { firstOffset: '1', lastOffset: '1' };
    await handle('t.chat.users.commands.v1', 0, message('u1'), batch, async () => undefined, () => true);
    await handle('t.chat.users.commands.v1', 0, message('u2'), batch, async () => undefined, () => true);
    await handle('t.chat.users.commands.v1', 3, message('u3'), batch, async () => undefined, () => true);
    await app.close();
    expect(replies).toEqual([
      { inReplyTo: 'env-u1', ok: false, error: { code: 'NOT_FOUND', message: 'no such user' } },
      // Anything else stays INTERNAL, with nothing of the error in the answer.
      { inReplyTo: 'env-u2', ok: false, error: { code: 'INTERNAL', message: 'internal error' } },
      // The handler gets the payload and the KafkaContext.
      { inReplyTo: 'env-u3', ok: true, data: { user: { id: 'u3', username: 'env-u3', displayName: '3', avatarUrl: null } } },
    ]);
  });
});
