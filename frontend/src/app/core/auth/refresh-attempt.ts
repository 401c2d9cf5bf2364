import { IdempotencyKeySchema } from '@chat/contracts';

/**
 * The Idempotency-Key of a refresh whose answer never came (a timeout, a 5xx, a dropped
 * connection). Rotation is strict, so sending the same refresh token again as a new request
 * would be a replay and end the session; sent again with the same key, it gets the pair the
 * first attempt made. The key lives in localStorage so another tab, taking its turn at the
 * refresh lock with the same cookie, asks again with it too. It is useless without the
 * refresh token (an HttpOnly cookie).
 */
const PENDING = 'chat.refresh-attempt';

/** The key of the attempt still waiting for an answer, or a new one, remembered until settled. */
export function refreshAttemptKey(): string {
  try {
    const pending = localStorage.getItem(PENDING);
    if (pending && IdempotencyKeySchema.safeParse(pending).success) return pending;
  } catch {
    /* storage refused: a key for this attempt only */
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const key = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  try {
    localStorage.setItem(PENDING, key);
  } catch {
    /* as above */
  }
  return key;
}

/** The attempt got an answer (a new pair, or a definite refusal): the next refresh is a new request. */
export function settleRefreshAttempt(): void {
  try {
    localStorage.removeItem(PENDING);
  } catch {
    /* nothing stored */
  }
}
