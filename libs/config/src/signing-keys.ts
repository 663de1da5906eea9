import { createHmac, createSecretKey, KeyObject, randomBytes } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import type { AuthConfig } from './auth.config';

/**
 * Keys derived once from JWT_SECRET. The JWT key is a KeyObject because jsonwebtoken, given a
 * string, first tries to parse it as a PEM public key on every verification (~50x slower).
 * Page cursors are signed with a separate key derived from the same secret, so one secret
 * rotates both. Without JWT_SECRET (allowed only in local/development) the secret is random per
 * process: tokens and cursors do not survive a restart.
 */
@Injectable()
export class SigningKeys {
  private static readonly logger = new Logger(SigningKeys.name);
  readonly jwt: KeyObject;
  readonly cursor: Buffer;

  constructor(config: ConfigService) {
    const auth = config.getOrThrow<AuthConfig>('auth');
    let secret: Buffer;
    if (auth.jwtSecret === undefined) {
      SigningKeys.logger.warn(
        'JWT_SECRET is not set: using a random per-process secret (local/development only); ' +
          'tokens will not survive a restart.',
      );
      secret = randomBytes(32);
    } else {
      secret = Buffer.from(auth.jwtSecret, 'utf8');
    }
    this.jwt = createSecretKey(secret);
    this.cursor = createHmac('sha256', secret).update('favorites/page-cursor/v1').digest();
  }
}
