import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomBytes, createHash } from 'node:crypto';
import { ChatError, parse, PasswordSchema, type User } from '@chat/contracts';
import { LoginCommandSchema, RegisterCommandSchema, type LoginCommand, type RegisterCommand, type SessionAnswer } from '@chat/contracts/bus';
import { KafkaBus } from '@chat/platform-kafka';
import type { Env } from '../config';
import { RateLimiter, type FailurePolicy } from '../rate-limit/rate-limiter.service';
import { SessionsService } from '../sessions/sessions.service';
import { AccountsRepository } from './accounts.repository';
import type { CredentialDoc } from './accounts.schema';
import { assertNotCommon } from './common-passwords';
import { Argon2Hasher, type PasswordHasher } from './password-hasher';

export interface AuthLimits {
  /** Failed sign-ins of one username from one address, before each further one doubles the wait. */
  loginFailures: FailurePolicy;
  loginPerAddress: number;
  loginWindowSec: number;
  registerPerAddress: number;
  registerWindowSec: number;
}

const BAD_LOGIN = 'wrong username or password';

/** A user id derived from the command's envelope id: a redelivered registration finds its own credential. */
export function userIdFor(requestId: string): string {
  return createHash('sha256').update(`user:${requestId}`).digest('hex').slice(0, 24);
}

/**
 * Registration and login. The users service learns of a new user (through
 * `users.create`) before the client gets its tokens, so every other service
 * can look the user up as soon as the client can call it.
 */
@Injectable()
export class AccountsService implements OnModuleInit {
  /** Verified against when the username is unknown, so both failures cost one argon2 verification. */
  private dummyHash?: Promise<string>;
  private readonly limits: AuthLimits;

  constructor(
    private readonly repo: AccountsRepository,
    @Inject(Argon2Hasher) private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly limiter: RateLimiter,
    // A request, not a publication: registration waits for the users service's answer.
    private readonly bus: KafkaBus,
    config: ConfigService<Env, true>,
  ) {
    this.limits = {
      loginFailures: {
        free: config.get('LOGIN_FREE_FAILURES', { infer: true }),
        maxDelaySec: config.get('LOGIN_MAX_DELAY_SEC', { infer: true }),
        forgetAfterSec: config.get('LOGIN_FAILURES_FORGET_SEC', { infer: true }),
      },
      loginPerAddress: config.get('LOGIN_LIMIT_PER_ADDRESS', { infer: true }),
      loginWindowSec: config.get('LOGIN_WINDOW_SEC', { infer: true }),
      registerPerAddress: config.get('REGISTER_LIMIT_PER_ADDRESS', { infer: true }),
      registerWindowSec: config.get('REGISTER_WINDOW_SEC', { infer: true }),
    };
  }

  onModuleInit(): void {
    void this.dummy();
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= this.hasher.hash(randomBytes(24).toString('base64url'));
    return this.dummyHash;
  }

  async register(input: RegisterCommand, requestId: string, correlationId?: string): Promise<SessionAnswer> {
    const { username, password, displayName, address, userAgent } = parse(RegisterCommandSchema, input);
    assertNotCommon(password);
    await this.limiter.take([{ key: `register:addr:${address}`, max: this.limits.registerPerAddress, windowSec: this.limits.registerWindowSec }]);
    const id = userIdFor(requestId);
    const passwordHash = await this.hasher.hash(password);
    const name = displayName ?? username;
    if (!(await this.repo.insert({ _id: username, userId: id, username, displayName: name, passwordHash, createdAt: new Date() }))) {
      const existing = await this.repo.findByUsername(username);
      // Only a redelivery of this very command may go on with the credential it made.
      if (!existing || existing.userId !== id) throw new ChatError('CONFLICT', 'the username is taken');
    }
    const { user } = await this.bus.request('users.create', id, { id, username, displayName: name }, { correlationId });
    return this.sessions.start(user, userAgent);
  }

  /** Unknown user, deleted user and wrong password: the same answer after the same work. */
  async login(input: LoginCommand): Promise<SessionAnswer> {
    const { username, password, address, userAgent } = parse(LoginCommandSchema, input);
    const credential = await this.verify(username.toLowerCase(), password, address);
    const user: User = { id: credential.userId, username: credential.username, displayName: credential.displayName, avatarUrl: credential.avatarUrl ?? null };
    return this.sessions.start(user, userAgent);
  }

  /**
   * v1.1: a new password for a user who proves the current one, checked (and counted) as a
   * login is. Every other session ends; the caller's goes on.
   */
  async changePassword(input: { actorId: string; sessionId: string; currentPassword: string; newPassword: string; address: string }, correlationId?: string): Promise<void> {
    const newPassword = parse(PasswordSchema, input.newPassword);
    assertNotCommon(newPassword);
    const credential = await this.verify(await this.usernameOf(input.actorId), input.currentPassword, input.address);
    await this.repo.setPasswordHash(credential._id, await this.hasher.hash(newPassword));
    await this.sessions.endAll(input.actorId, 'password', input.sessionId, correlationId);
  }

  /**
   * v1.1: deletes the account of a user who proves the password. The credential stays, marked
   * deleted, so the username is never given to anyone else; login then answers as for an
   * unknown user. A retry after a partial failure finds the mark and finishes the work.
   */
  async deleteAccount(input: { actorId: string; password: string; address: string }, correlationId?: string): Promise<void> {
    const found = await this.repo.findByUserId(input.actorId);
    if (!found?.deletedAt) {
      const credential = await this.verify(await this.usernameOf(input.actorId), input.password, input.address);
      await this.repo.markDeleted(credential._id, new Date());
    }
    await this.bus.request('users.delete', input.actorId, { actorId: input.actorId }, { correlationId });
    await this.sessions.endAll(input.actorId, 'deleted', undefined, correlationId);
  }

  /** The user's profile changed: later logins and refreshes answer the new name and avatar. */
  async profileChanged(userId: string, displayName: string, avatarUrl: string | null): Promise<void> {
    await this.repo.setProfile(userId, displayName, avatarUrl);
    await this.sessions.profileChanged(userId, displayName, avatarUrl);
  }

  /** The lower-case username of a user id; an unknown or deleted one reads as an unknown name. */
  private async usernameOf(userId: string): Promise<string> {
    return (await this.repo.findByUserId(userId))?.username ?? '';
  }

  /**
   * Checks a password as login does: the address's window, then the failures of this username
   * from this address, one argon2 verification whether or not the user exists.
   */
  private async verify(lower: string, password: string, address: string): Promise<CredentialDoc> {
    await this.limiter.take([{ key: `login:addr:${address}`, max: this.limits.loginPerAddress, windowSec: this.limits.loginWindowSec }]);
    // Failures count per username and address together: someone guessing from elsewhere slows
    // down only their own attempts, never the owner's (a lockout anyone could cause).
    const failures = `login:fail:${lower}@${address}`;
    const hadFailed = await this.limiter.checkFailures(failures, this.limits.loginFailures);
    const found = lower ? await this.repo.findByUsername(lower) : null;
    const credential = found && !found.deletedAt ? found : null;
    const ok = await this.hasher.verify(credential?.passwordHash ?? (await this.dummy()), password);
    if (!credential || !ok) {
      await this.limiter.recordFailure(failures, this.limits.loginFailures);
      throw new ChatError('UNAUTHENTICATED', BAD_LOGIN);
    }
    if (hadFailed) await this.limiter.forgetFailures(failures);
    return credential;
  }
}
