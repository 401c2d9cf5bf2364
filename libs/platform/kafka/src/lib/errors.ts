/**
 * Failures that go away by themselves (a database or broker briefly away):
 * the message is retried, never dropped or answered with an error.
 */
export function isTransient(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { name?: string; message?: string; retriable?: boolean; code?: number };
  const name = e.name ?? '';
  if (/^Mongo(Network|ServerSelection|NotConnected|NetworkTimeout|PoolCleared|Topology)/.test(name)) return true;
  if (name === 'PoolClearedError' || name === 'PoolClosedError') return true;
  if (/buffering timed out|connection .* closed|ECONNREFUSED|ECONNRESET|not connected/i.test(e.message ?? '')) return true;
  if (name.startsWith('KafkaJS') && e.retriable !== false) return true;
  return false;
}
