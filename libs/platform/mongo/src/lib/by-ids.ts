/**
 * Documents by `_id`, for a list of ids.
 *
 * FerretDB's SQLite backend (the embedded default) answers a filter of exactly
 * `{ _id: <string> }` from its primary key and pushes down no other filter:
 * `{ _id: { $in: ids } }` decodes every document of the collection. So a short
 * list is fetched one id at a time, in parallel (on MongoDB as cheap as `$in`
 * for a few ids); a long one in one `$in` query, where one scan costs less
 * than thousands of round trips. Missing ids are left out; order is not kept.
 */
export async function findByIds<T>(
  ids: readonly string[],
  one: (id: string) => Promise<T | null>,
  many: (ids: string[]) => Promise<T[]>,
  pointLookupsMax = 64,
): Promise<T[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  if (unique.length > pointLookupsMax) return many(unique);
  const found = await Promise.all(unique.map(one));
  return found.filter((d): d is Awaited<T> & T => d !== null);
}
