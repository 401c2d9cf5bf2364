import { ChatError } from '@chat/contracts';
import { UsersPublisher } from '../publisher/users.publisher';
import { FakeBlocks, FakeBus, FakeUsersRepository } from '../testing/fakes';
import { UsersService } from './users.service';

function setup() {
  const repo = new FakeUsersRepository();
  const bus = new FakeBus();
  const blocks = new FakeBlocks();
  return { repo, bus, blocks, svc: new UsersService(repo as never, blocks as never, new UsersPublisher(bus as never)) };
}

describe('UsersService', () => {
  it('creates a user once and announces user.registered once, even when the command is repeated', async () => {
    const { svc, bus } = setup();
    const u = await svc.create({ id: 'u1', username: 'alice', displayName: ' Alice A ' });
    expect(u).toEqual({ id: 'u1', username: 'alice', displayName: 'Alice A', avatarUrl: null });
    expect(await svc.create({ id: 'u1', username: 'alice', displayName: 'Alice A' })).toEqual(u);
    expect(bus.of('user.registered')).toEqual([u]);
  });

  it('re-sends user.registered on a retry when the first send failed', async () => {
    const { svc, bus } = setup();
    bus.failNext = 1;
    await expect(svc.create({ id: 'u1', username: 'alice', displayName: 'Alice' })).rejects.toThrow();
    await svc.create({ id: 'u1', username: 'alice', displayName: 'Alice' });
    expect(bus.of('user.registered')).toHaveLength(1);
  });

  it('refuses a taken username under another id (CONFLICT) and validates every field again', async () => {
    const { svc } = setup();
    await svc.create({ id: 'u1', username: 'alice', displayName: 'Alice' });
    await expect(svc.create({ id: 'u2', username: 'alice', displayName: 'Other' })).rejects.toMatchObject({ code: 'CONFLICT' });
    for (const bad of [
      { id: 'u3', username: 'a', displayName: 'x' },
      { id: 'u3', username: 'bob', displayName: '   ' },
      { id: 'u3', username: 'bob', displayName: 'x'.repeat(65) },
      { id: 'bad id', username: 'bob', displayName: 'x' },
    ]) {
      await expect(svc.create(bad)).rejects.toBeInstanceOf(ChatError);
    }
  });

  it('get: NOT_FOUND for an unknown id', async () => {
    const { svc } = setup();
    await expect(svc.get('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('search: prefix of username or display name, case-insensitive, ordered by username, caller excluded, limited', async () => {
    const { svc } = setup();
    await svc.create({ id: 'me', username: 'annie', displayName: 'Me' });
    await svc.create({ id: 'a', username: 'zed', displayName: 'Anna Z' });
    await svc.create({ id: 'b', username: 'anton', displayName: 'Tony' });
    await svc.create({ id: 'c', username: 'bob', displayName: 'Bob' });
    await svc.create({ id: 'd', username: 'andy', displayName: 'ANDY' });
    const names = async (q: string, limit = 20) => (await svc.search('me', q, limit)).map((u) => u.username);
    expect(await names('AN')).toEqual(['andy', 'anton', 'zed']);
    expect(await names('an', 2)).toEqual(['andy', 'anton']);
    expect(await names('tony')).toEqual(['anton']);
    expect(await names('annie')).toEqual([]);
    expect(await names('')).toEqual(['andy', 'anton', 'bob', 'zed']);
    expect(await names('.*')).toEqual([]);
  });

  it('search leaves out users who block the caller and deleted users', async () => {
    const { svc, blocks } = setup();
    await svc.create({ id: 'me', username: 'mee', displayName: 'Me' });
    await svc.create({ id: 'a', username: 'anna', displayName: 'Anna' });
    await svc.create({ id: 'b', username: 'anton', displayName: 'Anton' });
    await svc.create({ id: 'c', username: 'andy', displayName: 'Andy' });
    blocks.pairs.add('a:me');
    await svc.markDeleted('c');
    expect((await svc.search('me', 'an', 20)).map((u) => u.username)).toEqual(['anton']);
  });

  it('update trims and announces user.updated; a deleted user reads as "Deleted user" and is not active', async () => {
    const { svc, bus } = setup();
    await svc.create({ id: 'u1', username: 'alice', displayName: 'Alice' });
    expect(await svc.update('u1', ' Alice B ')).toEqual({ id: 'u1', username: 'alice', displayName: 'Alice B', avatarUrl: null });
    expect(bus.of('user.updated')).toEqual([{ user: { id: 'u1', username: 'alice', displayName: 'Alice B', avatarUrl: null }, deleted: false }]);
    await svc.markDeleted('u1');
    expect(await svc.get('u1')).toEqual({ id: 'u1', username: 'alice', displayName: 'Deleted user', avatarUrl: null });
    await expect(svc.assertActive(['u1'])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(svc.update('u1', 'Back')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
