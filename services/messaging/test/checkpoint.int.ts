import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { emptyTimeline } from '../src/domain/views';
import { CurrentTimelines } from '../src/store/current-timelines';
import { MessagesRepository } from '../src/store/messages.repository';
import { MESSAGE_MODEL, MessageMongoSchema, TIMELINE_MODEL, TimelineMongoSchema, type MessageDoc, type TimelineDoc } from '../src/store/store.schema';
import { TimelinesRepository } from '../src/store/timelines.repository';

/**
 * The timeline checkpoint and its derivation against the real database
 * (FerretDB by default): the guarded whole-state write, and the state read as
 * the checkpoint advanced over the messages stored above it.
 */
describe('timeline checkpoints on the database', () => {
  let conn: mongoose.Connection;
  let timelines: TimelinesRepository;
  let messages: MessagesRepository;
  let current: CurrentTimelines;
  const commands: { name: string; command: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    // Commands are monitored: the test below reads the filters the checkpoint sends.
    conn = await mongoose.createConnection(process.env['MONGO_URL']!, { dbName: `checkpoint_${randomBytes(4).toString('hex')}`, monitorCommands: true }).asPromise();
    conn.getClient().on('commandStarted', (e) => commands.push({ name: e.commandName, command: e.command }));
    timelines = new TimelinesRepository(conn.model<TimelineDoc>(TIMELINE_MODEL, TimelineMongoSchema) as never);
    messages = new MessagesRepository(conn.model<MessageDoc>(MESSAGE_MODEL, MessageMongoSchema) as never);
    current = new CurrentTimelines(timelines, messages);
  });

  afterAll(async () => {
    await conn?.dropDatabase().catch(() => undefined);
    await conn?.close();
  });

  const message = (conversationId: string, seq: number, senderId: string, mentions: string[] = []): MessageDoc => ({
    _id: `${conversationId}-${seq}`,
    conversationId,
    seq,
    senderId,
    text: `m${seq}`,
    clientMsgId: `k${seq}`,
    createdAt: new Date(1_700_000_000_000 + seq),
    editedAt: null,
    deletedAt: null,
    replyTo: null,
    mentions,
    reactions: [],
    words: [`m${seq}`],
    attachments: [],
  });

  it('a checkpoint replaces only an older one: a late write of a former owner leaves the newer state', async () => {
    const id = 'cp-guard';
    const at = (lastSeq: number, sent: Record<string, number>): TimelineDoc => ({ ...emptyTimeline(id), lastSeq, sent });
    await timelines.checkpoint(at(5, { a: 5 }));
    await timelines.checkpoint(at(3, { a: 2, b: 1 }));
    await Promise.all([timelines.checkpoint(at(7, { a: 6, b: 1 })), timelines.checkpoint({ ...at(6, { a: 6 }), _id: 'cp-other' })]);
    expect(await timelines.find(id)).toMatchObject({ lastSeq: 7, sent: { a: 6, b: 1 } });
    expect(await timelines.find('cp-other')).toMatchObject({ lastSeq: 6 });
  });

  it('of two states of one conversation written together, the newer stays', async () => {
    const id = 'cp-same-batch';
    const at = (lastSeq: number): TimelineDoc => ({ ...emptyTimeline(id), lastSeq, sent: { a: lastSeq } });
    await Promise.all([timelines.checkpoint(at(9)), timelines.checkpoint(at(8)), timelines.checkpoint(at(4))]);
    expect(await timelines.find(id)).toMatchObject({ lastSeq: 9, sent: { a: 9 } });
  });

  it('reads and writes a checkpoint by _id alone, the one filter FerretDB serves from its primary key', async () => {
    // Any other filter (a guard on lastSeq beside the _id) makes FerretDB's SQLite backend decode every timeline.
    commands.length = 0;
    await timelines.checkpoint({ ...emptyTimeline('cp-by-id'), lastSeq: 3 });
    await Promise.all([timelines.checkpoint({ ...emptyTimeline('cp-by-id'), lastSeq: 5 }), timelines.checkpoint({ ...emptyTimeline('cp-by-id-2'), lastSeq: 1 })]);
    const filters = commands.flatMap(({ name, command }) =>
      name === 'update' ? (command['updates'] as { q: unknown }[]).map((u) => u.q) : name === 'find' ? [command['filter']] : [],
    );
    expect(commands.filter((c) => c.name === 'update')).toHaveLength(2);
    expect(filters).toHaveLength(6); // three reads by _id, three replacements
    for (const filter of filters) {
      expect(Object.keys(filter as object)).toEqual(['_id']);
      expect(typeof (filter as { _id: unknown })._id).toBe('string');
    }
    expect(await timelines.find('cp-by-id')).toMatchObject({ lastSeq: 5 });
  });

  it('a read or a mute before any checkpoint does not block the first one, and survives in the owner state it writes', async () => {
    const id = 'cp-read-first';
    await timelines.recordRead(id, 'b', { seq: 1, own: 0, joinedAt: '2026-01-01T00:00:00.000Z' });
    await timelines.checkpoint({ ...emptyTimeline(id), lastSeq: 2, sent: { a: 2 }, reads: { b: { seq: 1, own: 0, joinedAt: '2026-01-01T00:00:00.000Z' } } });
    expect(await timelines.find(id)).toMatchObject({ lastSeq: 2, sent: { a: 2 }, reads: { b: { seq: 1 } } });
  });

  it('readers see the checkpoint advanced over the messages above it, up to the first gap, for one or many conversations', async () => {
    await timelines.checkpoint({ ...emptyTimeline('cp-a'), lastSeq: 2, sent: { a: 2 } });
    await messages.insertMany([message('cp-a', 1, 'a'), message('cp-a', 2, 'a'), message('cp-a', 3, 'b', ['a']), message('cp-a', 4, 'a'), message('cp-a', 6, 'b')]);
    // 40 messages above no checkpoint: more than one window of ids.
    await messages.insertMany(Array.from({ length: 40 }, (_, i) => message('cp-b', i + 1, i % 2 ? 'a' : 'b')));
    const one = await current.find('cp-a');
    expect(one.above.map((m) => m.seq)).toEqual([3, 4]);
    expect(one.current).toMatchObject({ lastSeq: 4, sent: { a: 3, b: 1 }, mentioned: { a: [3] } });
    expect(one.current.lastMessage?._id).toBe('cp-a-4');
    const many = await current.findMany(['cp-a', 'cp-b', 'cp-none']);
    expect(many.get('cp-a')).toMatchObject({ lastSeq: 4 });
    expect(many.get('cp-b')).toMatchObject({ lastSeq: 40, sent: { a: 20, b: 20 } });
    expect(many.get('cp-none')).toMatchObject({ lastSeq: 0, lastMessage: null });
  });
});
