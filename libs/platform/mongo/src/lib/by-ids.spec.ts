import { findByIds } from './by-ids';

describe('findByIds', () => {
  const docs = new Map([['a', { _id: 'a' }], ['b', { _id: 'b' }], ['c', { _id: 'c' }]]);
  const calls = { one: [] as string[], many: [] as string[][] };
  const one = async (id: string) => {
    calls.one.push(id);
    return docs.get(id) ?? null;
  };
  const many = async (ids: string[]) => {
    calls.many.push(ids);
    return ids.flatMap((id) => (docs.has(id) ? [docs.get(id)!] : []));
  };
  beforeEach(() => {
    calls.one = [];
    calls.many = [];
  });

  it('looks a short list up one id at a time, once per distinct id, leaving out the missing', async () => {
    expect(await findByIds(['a', 'x', 'a', 'c'], one, many)).toEqual([{ _id: 'a' }, { _id: 'c' }]);
    expect(calls.one).toEqual(['a', 'x', 'c']);
    expect(calls.many).toEqual([]);
  });

  it('asks once for a list longer than the point-lookup limit', async () => {
    expect(await findByIds(['a', 'b', 'c'], one, many, 2)).toHaveLength(3);
    expect(calls.one).toEqual([]);
    expect(calls.many).toEqual([['a', 'b', 'c']]);
  });

  it('asks nothing for no ids', async () => {
    expect(await findByIds([], one, many)).toEqual([]);
    expect(calls).toEqual({ one: [], many: [] });
  });
});
