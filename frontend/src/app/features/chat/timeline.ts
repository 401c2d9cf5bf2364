import type { Message } from '@chat/contracts';

/** The messages of one conversation this tab holds: a window of history, ascending by seq, each seq once. */
export interface Timeline {
  readonly messages: readonly Message[];
  /** Older messages exist below the first one held. */
  readonly hasOlder: boolean;
  /** A page (the newest, or an older one) is on its way. */
  readonly loading: boolean;
  /** The newest page has arrived at least once. */
  readonly loaded: boolean;
  /**
   * The seq just below the window: everything above it up to the contiguous top
   * is held. Null until the newest page has arrived (then the first message decides).
   */
  readonly floor: number | null;
}

export const EMPTY_TIMELINE: Timeline = { messages: [], hasOlder: false, loading: true, loaded: false, floor: null };

/**
 * Of two copies of the same message, the more recent one: a tombstone beats
 * text, a later edit beats an earlier one. Pages and pushes can arrive in any
 * order, so an old page must never undo an edit or a delete.
 */
export function fresher(held: Message, incoming: Message): Message {
  if (held.deletedAt && !incoming.deletedAt) return held;
  if (incoming.deletedAt && !held.deletedAt) return incoming;
  if (held.editedAt && (!incoming.editedAt || held.editedAt > incoming.editedAt)) return held;
  return incoming;
}

/** Adds messages to a window: deduplicated by seq, ascending. */
export function mergeMessages(held: readonly Message[], incoming: readonly Message[]): Message[] {
  if (incoming.length === 0) return held as Message[];
  const last = held.length ? held[held.length - 1].seq : 0;
  // The common case (a live message, a catch-up page): everything lands after the end.
  if (incoming.every((m, i) => m.seq > last && (i === 0 || m.seq > incoming[i - 1].seq))) {
    return [...held, ...incoming];
  }
  const bySeq = new Map<number, Message>();
  for (const m of held) bySeq.set(m.seq, m);
  for (const m of incoming) {
    const prior = bySeq.get(m.seq);
    bySeq.set(m.seq, prior ? fresher(prior, m) : m);
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** Replaces a message (an edit or a delete) if the window holds it. */
export function replaceMessage(held: readonly Message[], updated: Message): readonly Message[] {
  const i = held.findIndex((m) => m.seq === updated.seq);
  if (i < 0) return held;
  const next = fresher(held[i], updated);
  if (next === held[i]) return held;
  const copy = held.slice();
  copy[i] = next;
  return copy;
}

/**
 * The highest seq reached without a hole, counting up from `floor` (by
 * default, from the first message held): what `afterSeq` must be to fill every
 * gap above it. An empty window whose floor is 0 has seen nothing.
 */
export function contiguousTop(messages: readonly Message[], floor: number | null = null): number {
  let top = floor ?? (messages.length ? messages[0].seq - 1 : 0);
  for (const m of messages) {
    if (m.seq <= top) continue;
    if (m.seq !== top + 1) break;
    top = m.seq;
  }
  return top;
}

export interface DayGroup<T> {
  /** yyyy-mm-dd in local time, stable for tracking. */
  readonly key: string;
  readonly label: string;
  readonly items: readonly T[];
}

export function dayKey(d: Date): string {
  const mm = String(d.getMonth() + 1).padStart(2, '0');
  const dd = String(d.getDate()).padStart(2, '0');
  return `${d.getFullYear()}-${mm}-${dd}`;
}

const longDay = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });

export function dayLabel(d: Date, now: Date): string {
  const key = dayKey(d);
  if (key === dayKey(now)) return 'Today';
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  if (key === dayKey(yesterday)) return 'Yesterday';
  return longDay.format(d);
}

/** Splits items (in time order) into runs of the same local day. */
export function groupByDay<T>(items: readonly T[], timeOf: (item: T) => string, now = new Date()): DayGroup<T>[] {
  const groups: { key: string; label: string; items: T[] }[] = [];
  for (const item of items) {
    const d = new Date(timeOf(item));
    const key = dayKey(d);
    const current = groups[groups.length - 1];
    if (current && current.key === key) current.items.push(item);
    else groups.push({ key, label: dayLabel(d, now), items: [item] });
  }
  return groups;
}
