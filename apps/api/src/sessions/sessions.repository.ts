export type RevocationReason = 'logout' | 'reuse' | 'account_deleted';

export interface RotatedRefreshToken {
  sessionId: string;
  userId: string;
  /** False when the token had expired, or its session is revoked or its account deleted. */
  usable: boolean;
}

/** Persistence port of the Sessions module; bound to its TypeORM implementation by the module. */
export abstract class SessionsRepository {
  /**
   * A new session holding its first refresh token; undefined when the account is deleted (or is
   * being deleted: the account row is share-locked, so this and a deletion are serialised).
   */
  abstract start(
    userId: string,
    tokenHash: Buffer,
    ttlSeconds: number,
  ): Promise<string | undefined>;
  /**
   * Marks the token used, if it was not, and when it was usable stores its successor in the same
   * session: one statement, so of concurrent rotations of one token exactly one claims it.
   * Undefined when no unused token has this hash.
   */
  abstract rotate(
    tokenHash: Buffer,
    nextHash: Buffer,
    ttlSeconds: number,
  ): Promise<RotatedRefreshToken | undefined>;
  /** Revokes the session a known token belongs to; undefined if unknown or already revoked. */
  abstract revokeByToken(
    tokenHash: Buffer,
    reason: RevocationReason,
  ): Promise<{ sessionId: string; userId: string } | undefined>;
  /** False when the session is not the user's or was already revoked. */
  abstract revoke(sessionId: string, userId: string, reason: RevocationReason): Promise<boolean>;
  /** The ids of the sessions it revoked. */
  abstract revokeAllForUser(userId: string, reason: RevocationReason): Promise<string[]>;
  /** The user of a session that is neither revoked nor of a deleted account. */
  abstract findActiveOwner(sessionId: string): Promise<string | undefined>;
  /** Deletes up to `limit` sessions (with their tokens) that expired before `before`. */
  abstract deleteExpired(before: Date, limit: number): Promise<number>;
}
