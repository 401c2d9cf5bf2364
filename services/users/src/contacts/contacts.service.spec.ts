import { UsersPublisher } from '../publisher/users.publisher';
import { FakeBus, FakeUsers } from '../testing/fakes';
import { ContactsService } from './contacts.service';

class FakeContactsRepository {
  readonly rows = new Set<string>();
  async add(o: string, c: string) {
    this.rows.add(`${o}:${c}`);
  }
  async remove(o: string, c: string) {
    this.rows.delete(`${o}:${c}`);
  }
  async contactIds(o: string) {
    return [...this.rows].filter((r) => r.startsWith(`${o}:`)).map((r) => r.slice(o.length + 1));
  }
}

function setup() {
  const repo = new FakeContactsRepository();
  const bus = new FakeBus();
  return { repo, bus, svc: new ContactsService(repo as never, new FakeUsers(new Set(['me', 'zoe', 'bob'])) as never, new UsersPublisher(bus as never)) };
}

describe('ContactsService', () => {
  it('add and remove are idempotent, list is ordered by username, each call states the result as contact.changed', async () => {
    const { svc, bus } = setup();
    await svc.add('me', 'zoe');
    await svc.add('me', 'bob');
    await svc.add('me', 'zoe');
    expect((await svc.list('me')).map((u) => u.id)).toEqual(['bob', 'zoe']);
    await svc.remove('me', 'zoe');
    await svc.remove('me', 'zoe');
    expect((await svc.list('me')).map((u) => u.id)).toEqual(['bob']);
    expect(bus.of('contact.changed').map((e) => `${e.contactId}:${e.added}`)).toEqual(['zoe:true', 'bob:true', 'zoe:true', 'zoe:false', 'zoe:false']);
    expect(await svc.list('zoe')).toEqual([]);
  });

  it('yourself is VALIDATION_FAILED, an unknown user NOT_FOUND', async () => {
    const { svc } = setup();
    await expect(svc.add('me', 'me')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(svc.add('me', 'ghost')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(svc.remove('me', 'ghost')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
