import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { ChatError } from '@chat/contracts';
import type { Env } from '../config';
import { TokenService, type Principal } from './token.service';

/** passport-jwt for REST: the same pinned algorithm, issuer and audience as sockets. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: ConfigService<Env, true>,
    private readonly tokens: TokenService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.get('JWT_SECRET', { infer: true }),
      algorithms: ['HS256'],
      issuer: config.get('JWT_ISSUER', { infer: true }),
      audience: config.get('JWT_AUDIENCE', { infer: true }),
      ignoreExpiration: false,
    });
  }

  validate(claims: { sub?: unknown; sid?: unknown }): Principal {
    return this.tokens.principal(claims);
  }
}

@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  override handleRequest<T>(err: unknown, user: T): T {
    if (err instanceof ChatError) throw err;
    if (err || !user) throw new ChatError('UNAUTHENTICATED', 'a valid access token is required');
    return user;
  }
}
