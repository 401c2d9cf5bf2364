import { ChangeDetectionStrategy, Component, computed, effect, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule } from '@angular/forms';
import { MatButton } from '@angular/material/button';
import { MatDialog, MatDialogActions, MatDialogClose, MatDialogContent, MatDialogRef, MatDialogTitle, MAT_DIALOG_DATA } from '@angular/material/dialog';
import { MatError, MatFormField, MatLabel } from '@angular/material/form-field';
import { MatInput } from '@angular/material/input';
import { Router } from '@angular/router';
import { LIMITS, type Member, type Role, type User } from '@chat/contracts';
import { describeError } from '../../core/api-error';
import { lastSeen } from '../../core/ui/time';
import { ChatStore } from './chat.store';
import { confirmThen, type ConfirmData } from './confirm-dialog';
import { groupNameRule } from './new-group-dialog';
import { ROLE_LABEL, canDeleteGroup, canManageGroup, canRemoveMember, canSetRole } from './permissions';
import { UserPicker } from './user-picker';

export interface GroupAdminData {
  conversationId: string;
}

interface MemberView {
  userId: string;
  name: string;
  role: Role;
  roleLabel: string;
  self: boolean;
  presence: string;
  canRemove: boolean;
  canPromote: boolean;
  canDemote: boolean;
}

const ROLE_ORDER: Record<Role, number> = { owner: 0, admin: 1, member: 2 };

/**
 * A group's settings: its name, its members and their roles, leaving and
 * deleting. Each control shows only for a role the protocol allows; if the
 * server refuses anyway (roles changed meanwhile), its answer is shown here.
 */
@Component({
  selector: 'chat-group-admin-dialog',
  imports: [
    ReactiveFormsModule,
    MatDialogTitle,
    MatDialogContent,
    MatDialogActions,
    MatDialogClose,
    MatFormField,
    MatLabel,
    MatError,
    MatInput,
    MatButton,
    UserPicker,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './group-admin-dialog.html',
  styleUrl: './group-admin-dialog.scss',
})
export class GroupAdminDialog {
  private readonly data = inject<GroupAdminData>(MAT_DIALOG_DATA);
  private readonly ref = inject<MatDialogRef<GroupAdminDialog>>(MatDialogRef);
  private readonly dialog = inject(MatDialog);
  private readonly router = inject(Router);
  protected readonly chat = inject(ChatStore);

  protected readonly max = LIMITS.groupNameMax;
  protected readonly conversation = computed(() => this.chat.conversation(this.data.conversationId));
  protected readonly role = computed(() => {
    const c = this.conversation();
    return c ? this.chat.myRole(c) : null;
  });
  protected readonly canManage = computed(() => canManageGroup(this.role()));
  protected readonly canDelete = computed(() => canDeleteGroup(this.role()));
  protected readonly memberIds = computed(() => this.conversation()?.members.map((m) => m.userId) ?? []);
  protected readonly members = computed<MemberView[]>(() => {
    const c = this.conversation();
    const me = this.chat.me()?.id;
    const actor = this.role();
    if (!c) return [];
    return [...c.members]
      .sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || this.chat.userName(a.userId).localeCompare(this.chat.userName(b.userId)))
      .map((m: Member) => {
        const self = m.userId === me;
        const p = this.chat.presence(m.userId);
        return {
          userId: m.userId,
          name: self ? `${this.chat.userName(m.userId)} (you)` : this.chat.userName(m.userId),
          role: m.role,
          roleLabel: ROLE_LABEL[m.role],
          self,
          presence: self ? 'online' : p ? (p.online ? 'online' : lastSeen(p.lastSeenAt)) : '',
          canRemove: canRemoveMember(actor, m.role, self),
          canPromote: canSetRole(actor, m.role, self) && m.role === 'member',
          canDemote: canSetRole(actor, m.role, self) && m.role === 'admin',
        };
      });
  });

  protected readonly nameForm = inject(NonNullableFormBuilder).group({ name: ['', [groupNameRule]] });
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly done = signal<string | null>(null);

  constructor() {
    this.nameForm.controls.name.setValue(this.conversation()?.name ?? '');
    // Gone (left, removed, deleted): nothing left to manage.
    effect(() => {
      if (!this.conversation()) this.ref.close();
    });
  }

  protected rename(): Promise<void> {
    this.nameForm.markAllAsTouched();
    if (this.nameForm.invalid) return Promise.resolve();
    const name = this.nameForm.getRawValue().name.trim();
    return this.run(() => this.chat.rename(this.data.conversationId, name), 'Group renamed.');
  }

  protected add(user: User): Promise<void> {
    return this.run(() => this.chat.addMembers(this.data.conversationId, [user.id]), `${user.displayName} added.`);
  }

  protected remove(m: MemberView): void {
    this.confirm({ title: `Remove ${m.name}?`, message: `${m.name} will no longer see this group.`, confirm: 'Remove' }, () =>
      this.run(() => this.chat.removeMember(this.data.conversationId, m.userId), `${m.name} removed.`),
    );
  }

  protected setRole(m: MemberView, role: 'admin' | 'member'): Promise<void> {
    return this.run(
      () => this.chat.setRole(this.data.conversationId, m.userId, role),
      role === 'admin' ? `${m.name} is now an admin.` : `${m.name} is no longer an admin.`,
    );
  }

  protected leave(): void {
    const owner = this.role() === 'owner';
    this.confirm(
      {
        title: 'Leave this group?',
        message: owner
          ? 'You own this group: ownership passes to the longest-standing admin, or else member.'
          : 'You will no longer receive its messages.',
        confirm: 'Leave',
      },
      () => this.run(() => this.chat.leave(this.data.conversationId), null, true),
    );
  }

  protected deleteGroup(): void {
    this.confirm(
      { title: 'Delete this group?', message: 'The group and its messages are removed for every member.', confirm: 'Delete group' },
      () => this.run(() => this.chat.deleteGroup(this.data.conversationId), null, true),
    );
  }

  private confirm(data: ConfirmData, then: () => Promise<void>): void {
    confirmThen(this.dialog, data, then);
  }

  private async run(action: () => Promise<void>, success: string | null, leaving = false): Promise<void> {
    if (this.busy()) return;
    this.busy.set(true);
    this.error.set(null);
    this.done.set(null);
    try {
      await action();
      this.done.set(success);
      if (leaving) {
        this.ref.close();
        await this.router.navigate(['/']);
      }
    } catch (err) {
      this.error.set(`The server refused: ${describeError(err)}`);
    } finally {
      this.busy.set(false);
    }
  }
}
