import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys of POST requests, per user (ADR-0020).
 * - `fingerprint` is a digest of the request (method, target, canonical body): the same key with
 *   another request is refused.
 * - `token` names the attempt that holds the key; only that attempt may complete or release it,
 *   so an attempt whose lock went stale and was taken over can no longer write.
 * - A complete key keeps the response it replays: status, the headers that matter, the body.
 * - No foreign key to users: a key must never be why an insert fails; rows leave by expiry, in
 *   batches, through `idempotency_keys_expires_idx`.
 */
export class IdempotencyKeys1767000000001 implements MigrationInterface {
  name = 'IdempotencyKeys1767000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_keys (
        user_id          uuid NOT NULL,
        key              text COLLATE "C" NOT NULL CHECK (octet_length(key) BETWEEN 1 AND 255),
        fingerprint      text NOT NULL,
        token            uuid NOT NULL,
        state            text NOT NULL DEFAULT 'in_progress'
                         CHECK (state IN ('in_progress', 'complete')),
        locked_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
        expires_at       timestamptz NOT NULL,
        response_status  smallint,
        response_headers jsonb,
        response_body    text,
        created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (user_id, key),
        CHECK (state = 'in_progress' OR (response_status IS NOT NULL AND response_body IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
  }
}
