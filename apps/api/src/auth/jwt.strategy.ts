import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import { isUUID } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { ExtractJwt, Strategy } from 'passport-jwt';

import { AllConfig, SigningKeys } from '@app/config';

import { InvalidTokenError } from './auth.errors';
import { AuthenticatedUser } from './authenticated-user';
import { VerifiedTokens } from './verified-tokens';

interface AccessTokenClaims {
  sub?: unknown;
  sid?: unknown;
  exp?: unknown;
}

/** The bearer token of a request, as passport-jwt reads it. */
export const bearerTokenOf = ExtractJwt.fromAuthHeaderAsBearerToken();

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(
    keys: SigningKeys,
    config: ConfigService<AllConfig, true>,
    private readonly verified: VerifiedTokens,
  ) {
    const auth = config.get('auth', { infer: true });
    super({
      jwtFromRequest: bearerTokenOf,
      // A KeyObject, not the string secret: jsonwebtoken is ~50x faster with it (ADR-0003).
      secretOrKey: keys.jwt as unknown as string,
      algorithms: ['HS256'],
      issuer: auth.jwtIssuer,
      audience: auth.jwtAudience,
      ignoreExpiration: false,
      passReqToCallback: true,
    });
  }

  /**
   * Runs once jsonwebtoken has verified the signature, algorithm, issuer, audience and expiry.
   * It accepts a token without `exp`; an access token must expire, so require it. It must also
   * name its session (`sid`), which the guard then checks is still active.
   */
  validate(request: FastifyRequest, claims: AccessTokenClaims): AuthenticatedUser {
    const { sub, sid, exp } = claims;
    if (typeof exp !== 'number' || !isUuidText(sub) || !isUuidText(sid)) {
      throw new InvalidTokenError();
    }
    const user: AuthenticatedUser = { id: sub, sessionId: sid };
    this.verified.remember(bearerTokenOf(request)!, user, exp);
    return user;
  }
}

function isUuidText(value: unknown): value is string {
  return typeof value === 'string' && isUUID(value);
}
