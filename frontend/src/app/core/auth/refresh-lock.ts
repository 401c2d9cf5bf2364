/**
 * Runs `task` while holding a lock shared by every tab of this origin.
 * Refresh-token rotation is strict (a replayed token ends the session), so
 * two tabs must never send the same cookie at once: the second waits, then
 * sends the cookie the first one received.
 */
export async function withRefreshLock<T>(task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks) return task();
  return locks.request('chat-auth-refresh', { mode: 'exclusive' }, task);
}
