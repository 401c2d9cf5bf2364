import type { Role } from '@chat/contracts';

/** The protocol's "who may" column, so the UI shows only what the server would allow. */

export function canManageGroup(actor: Role | null): boolean {
  return actor === 'owner' || actor === 'admin';
}

/** An admin removes members, the owner removes admins and members; nobody removes the owner or themselves (leave instead). */
export function canRemoveMember(actor: Role | null, target: Role, self: boolean): boolean {
  if (self || target === 'owner') return false;
  if (actor === 'owner') return true;
  return actor === 'admin' && target === 'member';
}

/** Only the owner promotes and demotes, and never the owner. */
export function canSetRole(actor: Role | null, target: Role, self: boolean): boolean {
  return actor === 'owner' && target !== 'owner' && !self;
}

export function canDeleteGroup(actor: Role | null): boolean {
  return actor === 'owner';
}

export const ROLE_LABEL: Record<Role, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };
