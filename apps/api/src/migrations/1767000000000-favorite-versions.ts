import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A version per favourite, for ETags and If-Match (ADR-0019).
 * - The column is added with a constant default: PostgreSQL 11+ records the default in the
 *   catalogue (attmissingval) instead of rewriting the table, so this is instant on a table of a
 *   million rows and takes its ACCESS EXCLUSIVE lock only for that moment. Every favourite that
 *   exists now reads as version 1.
 * - Changing the default afterwards touches no row either. New rows and every edit take the next
 *   value of one sequence that starts at 2, so a version is never repeated: a favourite deleted
 *   and added again under the same id cannot bring back an ETag of its former self.
 */
export class FavoriteVersions1767000000000 implements MigrationInterface {
  name = 'FavoriteVersions1767000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE favorites_version_seq AS bigint START WITH 2`);
    await q.query(`ALTER TABLE favorites ADD COLUMN version bigint NOT NULL DEFAULT 1`);
    await q.query(
      `ALTER TABLE favorites ALTER COLUMN version SET DEFAULT nextval('favorites_version_seq')`,
    );
    await q.query(`ALTER SEQUENCE favorites_version_seq OWNED BY favorites.version`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Dropping the column drops the sequence it owns.
    await q.query(`ALTER TABLE favorites DROP COLUMN version`);
  }
}
