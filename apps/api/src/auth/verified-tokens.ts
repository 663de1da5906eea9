import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { AllConfig } from '@app/config';

import { SessionRevocations } from '../sessions/session-revocations';
import { AuthenticatedUser } from './authenticated-user';

interface Verified {
  user: AuthenticatedUser;
  /** The token's `exp`, in milliseconds. */
  expiresAt: number;
}

/**
 * Access tokens that passport-jwt has verified, so a client's next requests with the same token
 * skip the signature check and the claim parsing (ADR-0014). Keyed by the whole token, signature
 * included: only the exact string that verified can match, and each match checks `exp` again
 * (a token is valid while now < exp, as jsonwebtoken decides). Bounded: past `capacity` the
 * oldest entry goes; an evicted token is simply verified again. The guard checks the session of
 * a remembered token on every request all the same, and a revoked session's tokens are dropped
 * from here as soon as the revocation is heard, so the memo never outlives one.
 */
@Injectable()
export class VerifiedTokens {
  private readonly entries = new Map<string, Verified>();
  private readonly capacity: number;

  constructor(config: ConfigService<AllConfig, true>, revocations: SessionRevocations) {
    this.capacity = config.get('auth', { infer: true }).verifiedTokens;
    revocations.onRevoked((sessionIds) => this.forgetSessions(sessionIds));
  }

  /** The user of a token verified before and not yet expired. */
  get(token: string, now = Date.now()): AuthenticatedUser | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (now >= entry.expiresAt) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.user;
  }

  /** Records a token that has just passed verification, with its `exp` claim in seconds. */
  remember(token: string, user: AuthenticatedUser, exp: number): void {
    if (this.capacity === 0) return;
    if (this.entries.size >= this.capacity && !this.entries.has(token)) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(token, { user, expiresAt: exp * 1000 });
  }

  /** Drops every token of these sessions (a scan: revocations are rare, lookups are not). */
  forgetSessions(sessionIds: string[]): void {
    const revoked = new Set(sessionIds);
    for (const [token, { user }] of this.entries) {
      if (revoked.has(user.sessionId)) this.entries.delete(token);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
