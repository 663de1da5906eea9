import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { TransactionScope } from '@app/database';

import {
  ClaimTerms,
  IdempotencyRepository,
  KeyState,
  KeyUse,
  StoredResponse,
} from './idempotency.repository';

interface KeyRow {
  state: 'in_progress' | 'complete';
  fingerprint: string;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
}

/** A key that vanishes between the claim and the read (released, purged) is claimed again. */
const CLAIM_ATTEMPTS = 3;

/**
 * Takes the key if nobody has it, or if what has it no longer counts: an expired key (any
 * request), or one held past the lock timeout by an attempt of the same request, which crashed
 * (its transaction rolled back, so it created nothing). The conflicting row is locked by the
 * upsert, so two attempts never both take it.
 */
const CLAIM = `
  INSERT INTO idempotency_keys AS k (user_id, key, fingerprint, token, expires_at)
  VALUES ($1, $2, $3, $4, clock_timestamp() + make_interval(secs => $5))
  ON CONFLICT (user_id, key) DO UPDATE
     SET fingerprint = excluded.fingerprint, token = excluded.token, state = 'in_progress',
         locked_at = clock_timestamp(), created_at = clock_timestamp(),
         expires_at = excluded.expires_at,
         response_status = NULL, response_headers = NULL, response_body = NULL
   WHERE k.expires_at <= clock_timestamp()
      OR (k.state = 'in_progress' AND k.fingerprint = excluded.fingerprint
          AND k.locked_at <= clock_timestamp() - make_interval(secs => $6))
  RETURNING 1`;

@Injectable()
export class TypeOrmIdempotencyRepository implements IdempotencyRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly transactions: TransactionScope,
  ) {}

  async claim(use: KeyUse, terms: ClaimTerms): Promise<KeyState> {
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const claimed: unknown[] = await this.db.query(CLAIM, [
        use.userId,
        use.key,
        use.fingerprint,
        terms.token,
        terms.ttlSeconds,
        terms.lockTimeoutSeconds,
      ]);
      if (claimed.length > 0) return { state: 'claimed' };
      // A statement of its own, so its snapshot sees the row the upsert found committed.
      const rows: KeyRow[] = await this.db.query(
        `SELECT state, fingerprint, response_status, response_headers, response_body
           FROM idempotency_keys
          WHERE user_id = $1 AND key = $2 AND expires_at > clock_timestamp()`,
        [use.userId, use.key],
      );
      const row = rows[0];
      if (!row) continue;
      if (row.state === 'in_progress')
        return { state: 'in_progress', fingerprint: row.fingerprint };
      return {
        state: 'complete',
        fingerprint: row.fingerprint,
        response: {
          status: row.response_status!,
          headers: row.response_headers ?? {},
          body: row.response_body!,
        },
      };
    }
    // Keeps changing hands: as good as in use.
    return { state: 'in_progress', fingerprint: use.fingerprint };
  }

  async complete(use: KeyUse, token: string, response: StoredResponse): Promise<boolean> {
    // For UPDATE, TypeORM's query() answers [rows, affectedCount].
    const [, affected]: [unknown[], number] = await this.transactions.manager.query(
      `UPDATE idempotency_keys
          SET state = 'complete', response_status = $4, response_headers = $5,
              response_body = $6
        WHERE user_id = $1 AND key = $2 AND token = $3 AND state = 'in_progress'`,
      [
        use.userId,
        use.key,
        token,
        response.status,
        JSON.stringify(response.headers),
        response.body,
      ],
    );
    return affected === 1;
  }

  async release(use: KeyUse, token: string): Promise<void> {
    await this.db.query(
      `DELETE FROM idempotency_keys
        WHERE user_id = $1 AND key = $2 AND token = $3 AND state = 'in_progress'`,
      [use.userId, use.key, token],
    );
  }

  /** One bounded statement; SKIP LOCKED leaves keys being claimed, and other replicas' batches. */
  async purgeExpired(limit: number): Promise<number> {
    const [, affected]: [unknown[], number] = await this.db.query(
      `DELETE FROM idempotency_keys k
        USING (SELECT user_id, key FROM idempotency_keys
                WHERE expires_at <= clock_timestamp()
                ORDER BY expires_at
                LIMIT $1
                  FOR UPDATE SKIP LOCKED) expired
        WHERE k.user_id = expired.user_id AND k.key = expired.key`,
      [limit],
    );
    return affected;
  }
}
