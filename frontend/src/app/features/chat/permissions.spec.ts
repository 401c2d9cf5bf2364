import { canDeleteGroup, canManageGroup, canRemoveMember, canSetRole } from './permissions';

describe('group permissions (the protocol\'s "who may")', () => {
  it('lets admins and the owner rename and add, not members', () => {
    expect(canManageGroup('owner')).toBe(true);
    expect(canManageGroup('admin')).toBe(true);
    expect(canManageGroup('member')).toBe(false);
  });

  it('lets an admin remove members only, and the owner remove admins and members', () => {
    expect(canRemoveMember('admin', 'member', false)).toBe(true);
    expect(canRemoveMember('admin', 'admin', false)).toBe(false);
    expect(canRemoveMember('owner', 'admin', false)).toBe(true);
    expect(canRemoveMember('owner', 'member', false)).toBe(true);
    expect(canRemoveMember('member', 'member', false)).toBe(false);
  });

  it('lets nobody remove the owner or themselves', () => {
    expect(canRemoveMember('owner', 'owner', true)).toBe(false);
    expect(canRemoveMember('admin', 'owner', false)).toBe(false);
    expect(canRemoveMember('admin', 'admin', true)).toBe(false);
  });

  it('lets only the owner change roles, never the owner\'s', () => {
    expect(canSetRole('owner', 'member', false)).toBe(true);
    expect(canSetRole('owner', 'admin', false)).toBe(true);
    expect(canSetRole('owner', 'owner', true)).toBe(false);
    expect(canSetRole('admin', 'member', false)).toBe(false);
  });

  it('lets only the owner delete the group', () => {
    expect(canDeleteGroup('owner')).toBe(true);
    expect(canDeleteGroup('admin')).toBe(false);
  });
});
