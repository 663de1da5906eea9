import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { RevocationReason, RotatedRefreshToken, SessionsRepository } from './sessions.repository';

/** Hand-written SQL: each operation is one statement, so each is atomic on its own. */
@Injectable()
export class TypeOrmSessionsRepository implements SessionsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async start(userId: string, tokenHash: Buffer, ttlSeconds: number): Promise<string | undefined> {
    // FOR SHARE waits for a deletion of this account in progress and then sees it (deleted_at
    // set: no session); a deletion that comes later waits for this insert and then revokes it.
    const rows: Array<{ session_id: string }> = await this.db.query(
      `WITH session AS (
         INSERT INTO sessions (user_id, expires_at)
         SELECT id, clock_timestamp() + make_interval(secs => $3)
           FROM users WHERE id = $1 AND deleted_at IS NULL
            FOR SHARE
         RETURNING id, expires_at
       )
       INSERT INTO refresh_tokens (hash, session_id, expires_at)
       SELECT $2, id, expires_at FROM session
       RETURNING session_id`,
      [userId, tokenHash, ttlSeconds],
    );
    return rows[0]?.session_id;
  }

  async rotate(
    tokenHash: Buffer,
    nextHash: Buffer,
    ttlSeconds: number,
  ): Promise<RotatedRefreshToken | undefined> {
    // `used_at IS NULL` is re-checked on the row once a concurrent rotation of the same token
    // commits, so only one of them claims it; the others get no row (and count as reuse).
    const rows: Array<{ session_id: string; user_id: string; usable: boolean }> =
      await this.db.query(
        `WITH claimed AS (
           UPDATE refresh_tokens t SET used_at = clock_timestamp()
             FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE t.hash = $1 AND t.used_at IS NULL AND s.id = t.session_id
           RETURNING t.session_id, s.user_id,
                     t.expires_at > clock_timestamp()
                       AND s.revoked_at IS NULL AND u.deleted_at IS NULL AS usable
         ), issued AS (
           INSERT INTO refresh_tokens (hash, session_id, expires_at)
           SELECT $2, session_id, clock_timestamp() + make_interval(secs => $3)
             FROM claimed WHERE usable
           RETURNING session_id, expires_at
         ), extended AS (
           UPDATE sessions s SET expires_at = issued.expires_at
             FROM issued WHERE s.id = issued.session_id
         )
         SELECT session_id, user_id, usable FROM claimed`,
        [tokenHash, nextHash, ttlSeconds],
      );
    const row = rows[0];
    return row && { sessionId: row.session_id, userId: row.user_id, usable: row.usable };
  }

  async revokeByToken(
    tokenHash: Buffer,
    reason: RevocationReason,
  ): Promise<{ sessionId: string; userId: string } | undefined> {
    // For UPDATE and DELETE, TypeORM's query() answers [rows, affectedCount].
    const [rows]: [Array<{ id: string; user_id: string }>, number] = await this.db.query(
      `UPDATE sessions s SET revoked_at = clock_timestamp(), revoked_reason = $2
         FROM refresh_tokens t
        WHERE t.hash = $1 AND s.id = t.session_id AND s.revoked_at IS NULL
       RETURNING s.id, s.user_id`,
      [tokenHash, reason],
    );
    const row = rows[0];
    return row && { sessionId: row.id, userId: row.user_id };
  }

  async revoke(sessionId: string, userId: string, reason: RevocationReason): Promise<boolean> {
    const [, affected]: [unknown[], number] = await this.db.query(
      `UPDATE sessions SET revoked_at = clock_timestamp(), revoked_reason = $3
        WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`,
      [sessionId, userId, reason],
    );
    return affected > 0;
  }

  async revokeAllForUser(userId: string, reason: RevocationReason): Promise<string[]> {
    const [rows]: [Array<{ id: string }>, number] = await this.db.query(
      `UPDATE sessions SET revoked_at = clock_timestamp(), revoked_reason = $2
        WHERE user_id = $1 AND revoked_at IS NULL
       RETURNING id`,
      [userId, reason],
    );
    return rows.map((row) => row.id);
  }

  async findActiveOwner(sessionId: string): Promise<string | undefined> {
    const rows: Array<{ user_id: string }> = await this.db.query(
      `SELECT s.user_id FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = $1 AND s.revoked_at IS NULL AND u.deleted_at IS NULL`,
      [sessionId],
    );
    return rows[0]?.user_id;
  }

  async deleteExpired(before: Date, limit: number): Promise<number> {
    const [, affected]: [unknown[], number] = await this.db.query(
      `DELETE FROM sessions WHERE id IN (
         SELECT id FROM sessions WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [before, limit],
    );
    return affected;
  }
}
