import { Injectable, signal } from '@angular/core';
import type { Message } from '@chat/contracts';
import { EMPTY_TIMELINE, mergeMessages, replaceMessage, type Timeline } from '../timeline';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The message windows this tab holds, one per conversation it has opened. */
@Injectable({ providedIn: 'root' })
export class TimelinesStore {
  private readonly windows = signal<ReadonlyMap<string, Timeline>>(new Map());

  get(id: string): Timeline | undefined {
    return this.windows().get(id);
  }

  has(id: string): boolean {
    return this.windows().has(id);
  }

  entries(): [string, Timeline][] {
    return [...this.windows().entries()];
  }

  /** Starts (or restarts, keeping what is held unless `fresh`) a window whose newest page is on its way. */
  begin(id: string, fresh = false): void {
    this.windows.update((m) => new Map(m).set(id, fresh ? { ...EMPTY_TIMELINE } : { ...(m.get(id) ?? EMPTY_TIMELINE), loading: true }));
  }

  patch(id: string, patch: Partial<Mutable<Timeline>>): void {
    this.windows.update((m) => {
      const tl = m.get(id);
      return tl ? new Map(m).set(id, { ...tl, ...patch }) : m;
    });
  }

  merge(id: string, messages: readonly Message[]): void {
    const tl = this.get(id);
    if (tl && messages.length) this.patch(id, { messages: mergeMessages(tl.messages, messages) });
  }

  replace(id: string, message: Message): void {
    const tl = this.get(id);
    if (tl) this.patch(id, { messages: replaceMessage(tl.messages, message) });
  }

  drop(id: string): void {
    this.windows.update((m) => {
      if (!m.has(id)) return m;
      const next = new Map(m);
      next.delete(id);
      return next;
    });
  }

  reset(): void {
    this.windows.set(new Map());
  }
}
