import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { ChatError } from '@chat/contracts';
import type { Env } from '../config';
import { RevokedSessions } from './revoked-sessions';

export interface Principal {
  userId: string;
  sessionId: string;
}

/**
 * Verifies access tokens locally (no round trip): HS256 only, issuer and
 * audience pinned, expiry enforced, and the session not revoked.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: ConfigService<Env, true>,
    private readonly revoked: RevokedSessions,
  ) {}

  verify(token: unknown): Principal {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
      throw new ChatError('UNAUTHENTICATED', 'a valid access token is required');
    }
    let claims: { sub?: unknown; sid?: unknown };
    try {
      claims = this.jwt.verify(token, {
        algorithms: ['HS256'],
        issuer: this.config.get('JWT_ISSUER', { infer: true }),
        audience: this.config.get('JWT_AUDIENCE', { infer: true }),
      });
    } catch {
      throw new ChatError('UNAUTHENTICATED', 'the access token is invalid or expired');
    }
    return this.principal(claims);
  }

  /** From claims already verified (by passport-jwt on REST). */
  principal(claims: { sub?: unknown; sid?: unknown }): Principal {
    if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string') {
      throw new ChatError('UNAUTHENTICATED', 'the access token is invalid or expired');
    }
    if (this.revoked.has(claims.sid)) throw new ChatError('UNAUTHENTICATED', 'the session has ended');
    return { userId: claims.sub, sessionId: claims.sid };
  }
}
