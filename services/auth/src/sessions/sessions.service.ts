import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { ChatError, type SessionInfo, type User } from '@chat/contracts';
import { type SessionAnswer } from '@chat/contracts/bus';
import type { Env } from '../config';
import { AuthPublisher } from '../publisher/auth.publisher';
import { SessionsRepository } from './sessions.repository';
import type { RevokeReason, SessionDoc } from './sessions.schema';

/** A session's answer with its tokens in clear: the handlers seal them for the reply. */
export type AuthReply = SessionAnswer;

export interface TokenSettings {
  issuer: string;
  audience: string;
  accessTtlSec: number;
  refreshTtlSec: number;
}

/** How many rotated-away token hashes a session remembers (enough for weeks of 15-minute refreshes). */
export const PREVIOUS_HASHES_KEPT = 100;
/** Refresh commands remembered per session: more than Kafka redelivers after a crash (what 500 ms of commits leave). */
export const COMMANDS_KEPT = 20;

const TOKEN = /^([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$/;
const DEAD = 'the refresh token is invalid or expired';

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Sessions and their tokens. Access tokens are short-lived HS256 JWTs
 * (sub = user, sid = session) that gateways verify alone; refresh tokens are
 * `<sessionId>.<32 random bytes>`, stored only as a sha256, rotated on every
 * use. Presenting a rotated-away token is a replay: the whole session ends.
 */
@Injectable()
export class SessionsService {
  private readonly settings: TokenSettings;
  /** Keys the refresh tokens derived from a refresh command's id (see rotatedBy). */
  private readonly rotationKey: Buffer;
  /** The clock; tests set their own. */
  now: () => Date = () => new Date();

  constructor(
    private readonly repo: SessionsRepository,
    private readonly jwt: JwtService,
    private readonly events: AuthPublisher,
    config: ConfigService<Env, true>,
  ) {
    this.settings = {
      issuer: config.get('JWT_ISSUER', { infer: true }),
      audience: config.get('JWT_AUDIENCE', { infer: true }),
      accessTtlSec: config.get('ACCESS_TTL_SEC', { infer: true }),
      refreshTtlSec: config.get('REFRESH_TTL_SEC', { infer: true }),
    };
    this.rotationKey = Buffer.from(hkdfSync('sha256', config.get('JWT_SECRET', { infer: true }), 'chat', 'refresh token rotation', 32));
  }

  /** A new session for a user who just registered or logged in. */
  async start(user: User, userAgent?: string): Promise<AuthReply> {
    const id = randomBytes(16).toString('base64url');
    const refreshToken = newRefreshToken(id);
    const now = this.now();
    await this.repo.insert({
      _id: id,
      userId: user.id,
      username: user.username,
      displayName: user.displayName,
      avatarUrl: user.avatarUrl,
      tokenHash: sha256(refreshToken),
      previousHashes: [],
      createdAt: now,
      lastUsedAt: now,
      userAgent: userAgent ?? null,
      expiresAt: new Date(now.getTime() + this.settings.refreshTtlSec * 1000),
      revokedAt: null,
      revokeReason: null,
    });
    return this.answer(user, id, refreshToken);
  }

  /**
   * Rotates the session's refresh token. `requestId` names the attempt: the client's
   * Idempotency-Key when it sent one, else the refresh command's own id. The new token is
   * derived from it, so the same attempt again (the command redelivered because auth died after
   * rotating and before answering, or the client's retry of a lost answer with the same key)
   * answers the token it made. Any other use of a rotated-away token is a replay, as the
   * protocol says: no grace window. `commandId` is the bus message's own id: the same message
   * delivered again after the session moved on (auth died before committing its offset) is
   * refused without ending the session (see rotatedByCommands).
   */
  async refresh(refreshToken: string, correlationId?: string, userAgent?: string, requestId?: string, commandId?: string): Promise<AuthReply> {
    const m = TOKEN.exec(refreshToken);
    if (!m) throw new ChatError('UNAUTHENTICATED', DEAD);
    const sessionId = m[1]!;
    const presented = sha256(refreshToken);
    // Two rounds at most: a lost race re-reads the session and finds the token rotated away.
    for (let round = 0; round < 2; round++) {
      const session = await this.repo.findById(sessionId);
      if (!session || session.revokedAt || session.expiresAt.getTime() <= this.now().getTime()) {
        throw new ChatError('UNAUTHENTICATED', DEAD);
      }
      const user = { id: session.userId, username: session.username, displayName: session.displayName, avatarUrl: session.avatarUrl ?? null };
      if (!sameHash(presented, session.tokenHash)) {
        if (requestId && session.rotatedBy === requestId && sameHash(presented, session.previousHashes[0] ?? '')) {
          const again = this.rotatedToken(sessionId, requestId, presented);
          if (sameHash(sha256(again), session.tokenHash)) return this.answer(user, sessionId, again);
        }
        if (commandId && session.rotatedByCommands?.includes(commandId)) {
          // Handled before, and answered to an asker that has moved on: nothing to do, nothing to end.
          throw new ChatError('UNAUTHENTICATED', 'this refresh was already handled');
        }
        if (session.previousHashes.some((h) => sameHash(presented, h))) {
          await this.end(session, 'replay', correlationId);
          throw new ChatError('UNAUTHENTICATED', 'the refresh token was already used; the session has ended');
        }
        // Not a token this session ever issued (a guess at someone's session id): refuse, end nothing.
        throw new ChatError('UNAUTHENTICATED', DEAD);
      }
      const next = requestId ? this.rotatedToken(sessionId, requestId, presented) : newRefreshToken(sessionId);
      const now = this.now();
      const rotated = await this.repo.rotate(sessionId, session.tokenHash, {
        tokenHash: sha256(next),
        previousHashes: [session.tokenHash, ...session.previousHashes].slice(0, PREVIOUS_HASHES_KEPT),
        lastUsedAt: now,
        userAgent: userAgent ?? session.userAgent ?? null,
        expiresAt: new Date(now.getTime() + this.settings.refreshTtlSec * 1000),
        rotatedBy: requestId ?? null,
        rotatedByCommands: commandId ? [commandId, ...(session.rotatedByCommands ?? [])].slice(0, COMMANDS_KEPT) : (session.rotatedByCommands ?? []),
      });
      if (rotated) return this.answer(user, sessionId, next);
    }
    throw new ChatError('UNAUTHENTICATED', DEAD);
  }

  /** The token a refresh command makes: unguessable without the key, the same for the same command and token. */
  private rotatedToken(sessionId: string, requestId: string, presentedHash: string): string {
    const mac = createHmac('sha256', this.rotationKey).update(`${sessionId}\0${requestId}\0${presentedHash}`).digest('base64url');
    return `${sessionId}.${mac}`;
  }

  /**
   * Ends the caller's session, and the refresh token's session when it is
   * another of the caller's (a token for someone else's session is ignored).
   */
  async logout(actorId: string, sessionId: string, refreshToken?: string, correlationId?: string, all = false): Promise<void> {
    if (all) {
      await this.endAll(actorId, 'logout', undefined, correlationId);
      // The caller's own, even when it had already expired or ended: its sockets must close.
      const own = await this.repo.findById(sessionId);
      if (own && own.userId === actorId) await this.end(own, 'logout', correlationId);
      return;
    }
    const ids = new Set([sessionId]);
    const m = refreshToken ? TOKEN.exec(refreshToken) : null;
    if (m && m[1] !== sessionId) {
      const other = await this.repo.findById(m[1]!);
      const presented = sha256(refreshToken!);
      if (other && other.userId === actorId && (sameHash(presented, other.tokenHash) || other.previousHashes.some((h) => sameHash(presented, h)))) ids.add(other._id);
    }
    for (const id of ids) {
      const session = await this.repo.findById(id);
      if (session && session.userId === actorId) await this.end(session, 'logout', correlationId);
    }
  }

  /** The user's live sessions, newest first; `current` marks the asking one. */
  async list(userId: string, currentId: string): Promise<SessionInfo[]> {
    const sessions = await this.repo.live(userId, this.now());
    return sessions
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a._id < b._id ? -1 : 1))
      .map((x) => ({
        id: x._id,
        current: x._id === currentId,
        createdAt: x.createdAt.toISOString(),
        lastUsedAt: x.lastUsedAt.toISOString(),
        userAgent: x.userAgent ?? null,
      }));
  }

  /** Ends one of the user's sessions; someone else's (or no such session) is NOT_FOUND, never a hint. */
  async endOne(userId: string, sessionId: string, correlationId?: string): Promise<void> {
    const session = await this.repo.findById(sessionId);
    if (!session || session.userId !== userId) throw new ChatError('NOT_FOUND', 'no such session');
    await this.end(session, 'logout', correlationId);
  }

  /** Ends every live session of the user except `keepId` (none kept when it is undefined). */
  async endAll(userId: string, reason: RevokeReason, keepId?: string, correlationId?: string): Promise<void> {
    for (const session of await this.repo.live(userId, this.now())) {
      if (session._id !== keepId) await this.end(session, reason, correlationId);
    }
  }

  /** A user's display name or avatar changed: sessions answer refreshes with the new ones. */
  profileChanged(userId: string, displayName: string, avatarUrl: string | null): Promise<void> {
    return this.repo.setProfile(userId, displayName, avatarUrl);
  }

  private async end(session: SessionDoc, reason: RevokeReason, correlationId?: string): Promise<void> {
    await this.repo.revoke(session._id, reason, this.now());
    // Sent even when already revoked: a retried logout must still reach gateways that missed it.
    await this.events.sessionRevoked(session._id, session.userId, reason, correlationId);
  }

  private answer(user: User, sessionId: string, refreshToken: string): AuthReply {
    const accessToken = this.jwt.sign(
      { sub: user.id, sid: sessionId },
      { algorithm: 'HS256', issuer: this.settings.issuer, audience: this.settings.audience, expiresIn: this.settings.accessTtlSec },
    );
    return { user, accessToken, refreshToken, expiresIn: this.settings.accessTtlSec, sessionId };
  }
}

function newRefreshToken(sessionId: string): string {
  return `${sessionId}.${randomBytes(32).toString('base64url')}`;
}
