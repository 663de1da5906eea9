import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import { isUUID } from 'class-validator';
import { ExtractJwt, Strategy } from 'passport-jwt';

import { AllConfig, SigningKeys } from '@app/config';

import { InvalidTokenError } from './auth.errors';
import { AuthenticatedUser } from './authenticated-user';

interface AccessTokenClaims {
  sub?: unknown;
  exp?: unknown;
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(keys: SigningKeys, config: ConfigService<AllConfig, true>) {
    const auth = config.get('auth', { infer: true });
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject, not the string secret: jsonwebtoken is ~50x faster with it (ADR-0003).
      secretOrKey: keys.jwt as unknown as string,
      algorithms: ['HS256'],
      issuer: auth.jwtIssuer,
      audience: auth.jwtAudience,
      ignoreExpiration: false,
    });
  }

  /** jsonwebtoken accepts a token without `exp`; an access token must expire, so require it. */
  validate(claims: AccessTokenClaims): AuthenticatedUser {
    if (typeof claims.exp !== 'number' || typeof claims.sub !== 'string' || !isUUID(claims.sub)) {
      throw new InvalidTokenError();
    }
    return { id: claims.sub };
  }
}
