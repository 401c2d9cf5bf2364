import { dayKey } from '../../features/chat/timeline';

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
const shortDate = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const fullStamp = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

export function timeOfDay(iso: string): string {
  return clock.format(new Date(iso));
}

export function fullTime(iso: string): string {
  return fullStamp.format(new Date(iso));
}

/** For a conversation list: the time today, the weekday this week, else the date. */
export function shortStamp(iso: string, now = new Date()): string {
  const d = new Date(iso);
  if (dayKey(d) === dayKey(now)) return clock.format(d);
  if (now.getTime() - d.getTime() < 6 * 86_400_000) return weekday.format(d);
  return shortDate.format(d);
}

export function lastSeen(iso: string | null, now = new Date()): string {
  if (!iso) return 'offline';
  const d = new Date(iso);
  const minutes = Math.floor((now.getTime() - d.getTime()) / 60_000);
  if (minutes < 1) return 'last seen just now';
  if (minutes < 60) return `last seen ${minutes} min ago`;
  if (dayKey(d) === dayKey(now)) return `last seen today at ${clock.format(d)}`;
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  if (dayKey(d) === dayKey(yesterday)) return `last seen yesterday at ${clock.format(d)}`;
  return `last seen on ${shortDate.format(d)}`;
}
