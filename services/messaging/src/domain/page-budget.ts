/**
 * Cuts a page of history to what fits in `budget` bytes of JSON, so every reply fits
 * the broker's message limit whatever the messages hold (100 messages of 4,000 emoji
 * are 1.6 MB). A forward page (after a seq) keeps its oldest messages, a backward one
 * (before a seq, or the latest) its newest: the ones next to where the reader is.
 * At least one message is always kept, so paging always moves on.
 */
export function fitPage<T>(messages: T[], budget: number, keep: 'oldest' | 'newest'): { messages: T[]; cut: boolean } {
  const ordered = keep === 'oldest' ? messages : [...messages].reverse();
  let used = 2; // the array's brackets
  let n = 0;
  for (const m of ordered) {
    const size = Buffer.byteLength(JSON.stringify(m)) + 1;
    if (n > 0 && used + size > budget) break;
    used += size;
    n++;
  }
  if (n === messages.length) return { messages, cut: false };
  return { messages: keep === 'oldest' ? messages.slice(0, n) : messages.slice(messages.length - n), cut: true };
}
