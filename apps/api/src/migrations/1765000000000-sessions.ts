import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sessions (refresh token families) and deleted accounts (ADR-0022).
 * - A session is one login: its refresh tokens form a family, each stored only as the SHA-256 of
 *   the token. A used token stays (with `used_at`) so that presenting it again is recognised as
 *   reuse, which revokes the whole session. Access tokens carry the session id (`sid`).
 * - `sessions.expires_at` is the expiry of the session's newest refresh token: past it the
 *   session can do nothing, and the janitor removes it (its tokens go with it).
 * - `users.deleted_at` marks an account deleted at once (DELETE /me); its favourites are removed
 *   in bounded batches in the background and the row last. The partial index finds such
 *   accounts after a restart.
 */
export class Sessions1765000000000 implements MigrationInterface {
  name = 'Sessions1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN deleted_at timestamptz(3)`);
    await q.query(
      `CREATE INDEX users_deleted_idx ON users (deleted_at) WHERE deleted_at IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE sessions (
        id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at     timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        expires_at     timestamptz(3) NOT NULL,
        revoked_at     timestamptz(3),
        revoked_reason text CHECK (revoked_reason IN ('logout', 'reuse', 'account_deleted')),
        CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
      )`);
    await q.query(`CREATE INDEX sessions_user_idx ON sessions (user_id)`);
    await q.query(`CREATE INDEX sessions_expires_idx ON sessions (expires_at)`);
    await q.query(`
      CREATE TABLE refresh_tokens (
        hash        bytea PRIMARY KEY CHECK (octet_length(hash) = 32),
        session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        created_at  timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        expires_at  timestamptz(3) NOT NULL,
        used_at     timestamptz(3)
      )`);
    await q.query(`CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE refresh_tokens`);
    await q.query(`DROP TABLE sessions`);
    await q.query(`DROP INDEX users_deleted_idx`);
    await q.query(`ALTER TABLE users DROP COLUMN deleted_at`);
  }
}
