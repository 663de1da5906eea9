/** A response as first sent, replayed for every retry with the same key. */
export interface StoredResponse {
  status: number;
  /** Lower-case names: content-type, and the ETag and Location of a created favourite. */
  headers: Record<string, string>;
  body: string;
}

/** One use of a key: the user's key and the fingerprint of the request it came with. */
export interface KeyUse {
  userId: string;
  key: string;
  fingerprint: string;
}

/** `claimed`: this attempt holds the key now and must complete or release it. */
export type KeyState =
  | { state: 'claimed' }
  | { state: 'in_progress'; fingerprint: string }
  | { state: 'complete'; fingerprint: string; response: StoredResponse };

export interface ClaimTerms {
  /** Names this attempt; only it may complete or release the key. */
  token: string;
  ttlSeconds: number;
  /** A key held longer than this by an attempt with the same fingerprint may be taken over. */
  lockTimeoutSeconds: number;
}

/** Persistence port of the idempotency keys; bound to its TypeORM implementation by the module. */
export abstract class IdempotencyRepository {
  /**
   * Takes the key for this attempt when it is free: unknown, expired, or held past the lock
   * timeout by an attempt of the same request (one that crashed). Otherwise its current state.
   */
  abstract claim(use: KeyUse, terms: ClaimTerms): Promise<KeyState>;
  /**
   * Stores the response and marks the key complete, if `token` still holds it; false when it no
   * longer does (taken over). Joins the caller's transaction (TransactionScope), if one is open.
   */
  abstract complete(use: KeyUse, token: string, response: StoredResponse): Promise<boolean>;
  /** Frees a key `token` holds and has not completed, so a retry can run the request again. */
  abstract release(use: KeyUse, token: string): Promise<void>;
  /** Deletes up to `limit` expired keys; how many it deleted. */
  abstract purgeExpired(limit: number): Promise<number>;
}
