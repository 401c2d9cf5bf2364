import type { ConfigService } from '@nestjs/config';
import type { Env } from '../config';
import type { ObjectStore } from '../storage/object-store';
import type { AttachmentsRepository } from './attachments.repository';
import type { AttachmentDoc, ClaimDoc } from './attachments.schema';
import { AttachmentsService } from './attachments.service';

/**
 * The collection in memory, with the conditions the real queries carry: a
 * claim needs `claim: null, sweptAt: null`, a mark needs the same. `before`
 * runs a step of someone else between two of the sweeper's calls.
 */
class MemoryRepo {
  readonly docs = new Map<string, AttachmentDoc>();
  before: Partial<Record<'markSwept' | 'remove', () => Promise<void>>> = {};

  async findById(id: string) {
    const d = this.docs.get(id);
    return d ? structuredClone(d) : null;
  }
  async findByIds(ids: readonly string[]) {
    return ids.flatMap((id) => (this.docs.has(id) ? [structuredClone(this.docs.get(id)!)] : []));
  }
  async claim(id: string, ownerId: string, claim: ClaimDoc) {
    const d = this.docs.get(id);
    if (!d || d.ownerId !== ownerId || d.claim || d.sweptAt) return false;
    d.claim = claim;
    return true;
  }
  async unclaim(id: string, claim: ClaimDoc) {
    const d = this.docs.get(id);
    if (d?.claim?.clientMsgId === claim.clientMsgId) d.claim = null;
  }
  async findUnclaimed(before: Date, limit: number) {
    return [...this.docs.values()].filter((d) => !d.claim && d.createdAt < before).slice(0, limit).map((d) => structuredClone(d));
  }
  async markSwept(ids: readonly string[], at: Date) {
    await this.before.markSwept?.();
    for (const id of ids) {
      const d = this.docs.get(id);
      if (d && !d.claim && !d.sweptAt) d.sweptAt = at;
    }
    return ids.filter((id) => this.docs.get(id)?.sweptAt && !this.docs.get(id)?.claim);
  }
  async remove(ids: readonly string[]) {
    await this.before.remove?.();
    for (const id of ids) this.docs.delete(id);
  }
}

class MemoryStore {
  readonly keys = new Set<string>();
  failRemove = false;
  async remove(keys: string[]) {
    if (this.failRemove) throw new Error('store down');
    for (const k of keys) this.keys.delete(k);
  }
}

const env: Partial<Env> = { MEDIA_URL_SECRET: 's'.repeat(32), MEDIA_URL_TTL_SEC: 60, UNCLAIMED_TTL_SEC: 3, SWEEP_INTERVAL_SEC: 1 };
const config = { get: (k: keyof Env) => env[k] } as unknown as ConfigService<Env, true>;
const T0 = Date.parse('2026-12-07T10:00:00Z');

function setup() {
  const repo = new MemoryRepo();
  const store = new MemoryStore();
  const service = new AttachmentsService(repo as unknown as AttachmentsRepository, store as unknown as ObjectStore, config);
  const add = (id: string, ownerId = 'alice') => {
    repo.docs.set(id, { _id: id, ownerId, name: `${id}.txt`, size: 1, contentType: 'text/plain', width: null, height: null, thumbnail: false, createdAt: new Date(T0), claim: null });
    store.keys.add(`a/${id}/original`);
  };
  const send = (ids: string[], clientMsgId = 'm1') => service.claim({ actorId: 'alice', conversationId: 'c1', clientMsgId, attachmentIds: ids });
  return { repo, store, service, add, send };
}

describe('AttachmentsService.sweep', () => {
  it('deletes the bytes and the record of an upload nobody sent within UNCLAIMED_TTL_SEC, and nothing younger', async () => {
    const { repo, store, service, add } = setup();
    add('old');
    add('young');
    repo.docs.get('young')!.createdAt = new Date(T0 + 2000);
    expect(await service.sweep(T0 + 4000)).toBe(1);
    expect([...repo.docs.keys()]).toEqual(['young']);
    expect([...store.keys]).toEqual(['a/young/original']);
  });

  it('keeps an upload a send claims while the sweep runs: the message keeps its bytes', async () => {
    const { repo, store, service, add, send } = setup();
    add('u1');
    let sent: Awaited<ReturnType<typeof send>> | undefined;
    // The sweep has read u1 as unclaimed; the send takes it before the sweep deletes anything.
    repo.before.markSwept = async () => {
      sent = await send(['u1']);
    };
    expect(await service.sweep(T0 + 4000)).toBe(0);
    expect(sent?.attachments.map((a) => a.id)).toEqual(['u1']);
    expect(repo.docs.get('u1')?.claim).toEqual({ conversationId: 'c1', clientMsgId: 'm1' });
    expect(store.keys.has('a/u1/original')).toBe(true);
  });

  it('refuses a send of an upload the sweep has taken, though its record is not deleted yet', async () => {
    const { repo, service, add, send } = setup();
    add('u1');
    let refused: unknown;
    repo.before.remove = async () => {
      refused = await send(['u1']).catch((e: unknown) => e);
    };
    expect(await service.sweep(T0 + 4000)).toBe(1);
    expect(refused).toMatchObject({ code: 'VALIDATION_FAILED', message: 'no upload u1 of yours' });
    expect(repo.docs.has('u1')).toBe(false);
  });

  it('finishes a sweep that failed after marking, and a send cannot take the upload in between', async () => {
    const { repo, store, service, add, send } = setup();
    add('u1');
    store.failRemove = true;
    await expect(service.sweep(T0 + 4000)).rejects.toThrow('store down');
    await expect(send(['u1'])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    store.failRemove = false;
    expect(await service.sweep(T0 + 5000)).toBe(1);
    expect(repo.docs.size + store.keys.size).toBe(0);
  });
});
