import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Users and their favourites.
 * - `favorites` is keyed by (user, asset id): any number of users may favourite one asset id.
 * - `favorites_user_keyset_idx` serves the list query exactly: newest first by
 *   (created_at, id) within one user, so a page is an index range scan whatever the list size.
 * - Asset ids use the "C" collation: byte order, the same order Redis uses for equal scores.
 * - Timestamps keep milliseconds, what the API and a page cursor can carry without loss.
 * - `users.favorites_count` gives `total` without a COUNT; statement-level triggers keep it
 *   in the writing transaction, for any write path including bulk loads.
 */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email           text NOT NULL CHECK (char_length(email) <= 254),
        password_hash   text NOT NULL,
        favorites_count bigint NOT NULL DEFAULT 0 CHECK (favorites_count >= 0),
        created_at      timestamptz(3) NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))`);
    await q.query(`
      CREATE TABLE favorites (
        user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        id          text COLLATE "C" NOT NULL CHECK (char_length(id) BETWEEN 1 AND 128),
        type        text NOT NULL CHECK (type IN ('chart', 'insight', 'audience')),
        name        text NOT NULL,
        description text NOT NULL DEFAULT '',
        payload     jsonb NOT NULL,
        created_at  timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        updated_at  timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (user_id, id)
      )`);
    await q.query(
      `CREATE INDEX favorites_user_keyset_idx ON favorites (user_id, created_at DESC, id DESC)`,
    );
    await q.query(`
      CREATE FUNCTION favorites_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE users u SET favorites_count = u.favorites_count + n.added
          FROM (SELECT user_id, count(*) AS added FROM inserted GROUP BY user_id) n
         WHERE u.id = n.user_id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION favorites_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE users u SET favorites_count = u.favorites_count - n.removed
          FROM (SELECT user_id, count(*) AS removed FROM deleted GROUP BY user_id) n
         WHERE u.id = n.user_id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER favorites_count_insert AFTER INSERT ON favorites
        REFERENCING NEW TABLE AS inserted
        FOR EACH STATEMENT EXECUTE FUNCTION favorites_count_inserted()`);
    await q.query(`
      CREATE TRIGGER favorites_count_delete AFTER DELETE ON favorites
        REFERENCING OLD TABLE AS deleted
        FOR EACH STATEMENT EXECUTE FUNCTION favorites_count_deleted()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE favorites`);
    await q.query(`DROP FUNCTION favorites_count_inserted, favorites_count_deleted`);
    await q.query(`DROP TABLE users`);
  }
}
