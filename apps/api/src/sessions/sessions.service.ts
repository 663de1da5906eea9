import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { AllConfig } from '@app/config';

import { isRefreshTokenShaped, newRefreshToken, refreshTokenHash } from './refresh-token';
import { SessionRevocations } from './session-revocations';
import { InvalidRefreshTokenError } from './sessions.errors';
import { RevocationReason, SessionsRepository } from './sessions.repository';

export interface IssuedRefreshToken {
  sessionId: string;
  userId: string;
  refreshToken: string;
  /** Seconds. */
  expiresIn: number;
}

/**
 * Sessions as refresh token families: login starts one, each refresh rotates its token, and a
 * token presented again after its rotation revokes the whole family (RFC 9700, section 4.14.2):
 * either the client or a thief holds a copy, and the server cannot tell which.
 */
@Injectable()
export class SessionsService {
  private readonly logger = new Logger(SessionsService.name);
  private readonly ttlSeconds: number;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly revocations: SessionRevocations,
    config: ConfigService<AllConfig, true>,
  ) {
    this.ttlSeconds = config.get('auth.refreshTokenExpiresInSeconds', { infer: true });
  }

  /** A new session for the user; undefined when the account is deleted. */
  async start(userId: string): Promise<IssuedRefreshToken | undefined> {
    const refreshToken = newRefreshToken();
    const sessionId = await this.sessions.start(
      userId,
      refreshTokenHash(refreshToken),
      this.ttlSeconds,
    );
    if (sessionId === undefined) return undefined;
    return { sessionId, userId, refreshToken, expiresIn: this.ttlSeconds };
  }

  /** The token's successor in the same session, or InvalidRefreshTokenError. */
  async rotate(refreshToken: string): Promise<IssuedRefreshToken> {
    if (!isRefreshTokenShaped(refreshToken)) throw new InvalidRefreshTokenError();
    const hash = refreshTokenHash(refreshToken);
    const next = newRefreshToken();
    const rotated = await this.sessions.rotate(hash, refreshTokenHash(next), this.ttlSeconds);
    if (rotated === undefined) {
      await this.revokeReused(hash);
      throw new InvalidRefreshTokenError();
    }
    if (!rotated.usable) throw new InvalidRefreshTokenError();
    return {
      sessionId: rotated.sessionId,
      userId: rotated.userId,
      refreshToken: next,
      expiresIn: this.ttlSeconds,
    };
  }

  /** Ends one of the user's sessions (logout); nothing when it has ended already. */
  async revoke(sessionId: string, userId: string, reason: RevocationReason): Promise<void> {
    await this.sessions.revoke(sessionId, userId, reason);
    // Told even when it was revoked already: an instance may have missed the first message.
    await this.revocations.publish([sessionId]);
  }

  /** Ends every session of the user (account deletion). */
  async revokeAllForUser(userId: string, reason: RevocationReason): Promise<void> {
    await this.revocations.publish(await this.sessions.revokeAllForUser(userId, reason));
  }

  /** A used (or unknown) token was presented: if known, its family is revoked. */
  private async revokeReused(hash: Buffer): Promise<void> {
    const revoked = await this.sessions.revokeByToken(hash, 'reuse');
    if (revoked === undefined) return;
    this.logger.warn(
      { sessionId: revoked.sessionId, userId: revoked.userId },
      'refresh token reused: session revoked',
    );
    await this.revocations.publish([revoked.sessionId]);
  }
}
