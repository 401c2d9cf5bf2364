import { NotificationsStore } from './notifications.store';

describe('NotificationsStore.wanted', () => {
  it('notifies direct messages and mentions; groups only when chosen; muted only when mentioned', () => {
    const direct = { type: 'direct' as const, muted: false };
    const group = { type: 'group' as const, muted: false };
    expect(NotificationsStore.wanted(direct, false, false)).toBe(true);
    expect(NotificationsStore.wanted(group, false, false)).toBe(false);
    expect(NotificationsStore.wanted(group, false, true)).toBe(true);
    expect(NotificationsStore.wanted(group, true, false)).toBe(true);
    expect(NotificationsStore.wanted({ ...direct, muted: true }, false, false)).toBe(false);
    expect(NotificationsStore.wanted({ ...group, muted: true }, false, true)).toBe(false);
    expect(NotificationsStore.wanted({ ...group, muted: true }, true, false)).toBe(true);
  });
});
