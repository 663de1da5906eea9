import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { AllConfig } from '@app/config';

import { SessionRevocations } from './session-revocations';
import { SessionsRepository } from './sessions.repository';

/** Sessions remembered per instance, each way; past it the oldest entry goes. */
const MAX_ENTRIES = 100_000;

/**
 * Whether an access token's session may still be used, answered without PostgreSQL on the hot
 * path. A session found active is trusted for `AUTH_SESSION_CACHE_SECONDS`; a revocation heard
 * from SessionRevocations (this instance at once, others over Redis) drops it before that. A
 * session found revoked, or heard revoked, is refused from memory for as long as an access token
 * issued before the revocation can live, so replaying one costs no query either. Concurrent
 * misses on one session share one query. (ADR-0022)
 */
@Injectable()
export class ActiveSessions {
  /** Session id -> its user and until when (ms) it is trusted. */
  private readonly active = new Map<string, { userId: string; until: number }>();
  /** Session id -> until when (ms) it is remembered as revoked. */
  private readonly revoked = new Map<string, number>();
  private readonly lookups = new Map<string, Promise<string | undefined>>();
  private readonly trustMs: number;
  private readonly revokedMs: number;

  constructor(
    private readonly sessions: SessionsRepository,
    revocations: SessionRevocations,
    config: ConfigService<AllConfig, true>,
  ) {
    const auth = config.get('auth', { infer: true });
    this.trustMs = auth.sessionCacheSeconds * 1000;
    this.revokedMs = auth.jwtExpiresInSeconds * 1000;
    revocations.onRevoked((sessionIds) => this.forget(sessionIds));
    revocations.onResubscribed(() => this.active.clear());
  }

  /**
   * True when the session is the user's and usable. Synchronous when this instance already knows
   * (the hot path); a promise when PostgreSQL must be asked.
   */
  check(sessionId: string, userId: string, now = Date.now()): boolean | Promise<boolean> {
    if (this.isRevoked(sessionId, now)) return false;
    const entry = this.active.get(sessionId);
    if (entry !== undefined && now < entry.until) return entry.userId === userId;
    return this.lookUp(sessionId).then((owner) => owner === userId);
  }

  /** Sessions revoked: refused from now on, whatever a lookup under way may answer. */
  forget(sessionIds: string[], now = Date.now()): void {
    for (const sessionId of sessionIds) {
      this.active.delete(sessionId);
      remember(this.revoked, sessionId, now + this.revokedMs);
    }
  }

  get size(): { active: number; revoked: number } {
    return { active: this.active.size, revoked: this.revoked.size };
  }

  private isRevoked(sessionId: string, now: number): boolean {
    const until = this.revoked.get(sessionId);
    if (until === undefined) return false;
    if (now < until) return true;
    this.revoked.delete(sessionId);
    return false;
  }

  private lookUp(sessionId: string): Promise<string | undefined> {
    let lookup = this.lookups.get(sessionId);
    if (lookup === undefined) {
      lookup = this.sessions
        .findActiveOwner(sessionId)
        .then((owner) => {
          const now = Date.now();
          // A revocation heard while the query ran wins over what the query read.
          if (this.isRevoked(sessionId, now)) return undefined;
          if (owner === undefined) remember(this.revoked, sessionId, now + this.revokedMs);
          else if (this.trustMs > 0) {
            remember(this.active, sessionId, { userId: owner, until: now + this.trustMs });
          }
          return owner;
        })
        .finally(() => this.lookups.delete(sessionId));
      this.lookups.set(sessionId, lookup);
    }
    return lookup;
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value!);
  map.set(key, value);
}
