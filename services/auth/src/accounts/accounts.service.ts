import { Injectable, type OnModuleInit } from '@nestjs/common';
import { randomBytes, createHash } from 'node:crypto';
import { ChatError, COMMANDS, parse, type CommandPayload, type User } from '@chat/contracts';
import type { KafkaBus } from '@chat/platform-kafka';
import type { RateLimiter } from '../rate-limit/rate-limiter.service';
import type { AuthReply, SessionsService } from '../sessions/sessions.service';
import type { AccountsRepository } from './accounts.repository';
import type { PasswordHasher } from './password-hasher';

export interface AuthLimits {
  loginPerUsername: number;
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

  constructor(
    private readonly repo: Pick<AccountsRepository, 'insert' | 'findByUsername'>,
    private readonly hasher: PasswordHasher,
    private readonly sessions: Pick<SessionsService, 'start'>,
    private readonly limiter: Pick<RateLimiter, 'take'>,
    private readonly bus: Pick<KafkaBus, 'request'>,
    private readonly limits: AuthLimits,
  ) {}

  onModuleInit(): void {
    void this.dummy();
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= this.hasher.hash(randomBytes(24).toString('base64url'));
    return this.dummyHash;
  }

  async register(input: CommandPayload<'auth.register'>, requestId: string, correlationId?: string): Promise<AuthReply> {
    const { username, password, displayName, address } = parse(COMMANDS['auth.register'].request, input);
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
    return this.sessions.start(user);
  }

  /** Unknown user and wrong password: the same answer after the same work. */
  async login(input: CommandPayload<'auth.login'>): Promise<AuthReply> {
    const { username, password, address } = parse(COMMANDS['auth.login'].request, input);
    const lower = username.toLowerCase();
    await this.limiter.take([
      { key: `login:user:${lower}`, max: this.limits.loginPerUsername, windowSec: this.limits.loginWindowSec },
      { key: `login:addr:${address}`, max: this.limits.loginPerAddress, windowSec: this.limits.loginWindowSec },
    ]);
    const credential = await this.repo.findByUsername(lower);
    const ok = await this.hasher.verify(credential?.passwordHash ?? (await this.dummy()), password);
    if (!credential || !ok) throw new ChatError('UNAUTHENTICATED', BAD_LOGIN);
    const user: User = { id: credential.userId, username: credential.username, displayName: credential.displayName };
    return this.sessions.start(user);
  }
}
