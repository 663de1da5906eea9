import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import * as jwt from 'jsonwebtoken';

import { AllConfig, SigningKeys } from '@app/config';

export interface AccessToken {
  token: string;
  expiresIn: number;
}

/** Issues HS256 access tokens with sub, sid (the session), iat, exp, iss and aud. */
@Injectable()
export class TokenService {
  constructor(
    private readonly keys: SigningKeys,
    private readonly config: ConfigService<AllConfig, true>,
  ) {}

  issue(userId: string, sessionId: string): AccessToken {
    const auth = this.config.get('auth', { infer: true });
    const token = jwt.sign({ sid: sessionId }, this.keys.jwt, {
      algorithm: 'HS256',
      subject: userId,
      issuer: auth.jwtIssuer,
      audience: auth.jwtAudience,
      expiresIn: auth.jwtExpiresInSeconds,
    });
    return { token, expiresIn: auth.jwtExpiresInSeconds };
  }
}
