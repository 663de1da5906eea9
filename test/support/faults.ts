import type { Sql } from './seed';

/**
 * From now on, reading a favourite named `boom` fails inside PostgreSQL (a division by zero): a
 * real server error in the middle of a query, for tests of what the service does with one. The
 * table hides behind a view that computes `description`; undo with restoreFavoritesTable.
 */
export async function breakFavoritesNamedBoom(db: Sql): Promise<void> {
  await db.query('ALTER TABLE favorites RENAME TO favorites_table', []);
  await db.query(
    `CREATE VIEW favorites AS
       SELECT user_id, id, type, name,
              CASE WHEN name = 'boom' THEN (1 / (length(name) - 4))::text ELSE description END
                AS description,
              payload, created_at, updated_at, version
         FROM favorites_table`,
    [],
  );
}

export async function restoreFavoritesTable(db: Sql): Promise<void> {
  await db.query('DROP VIEW IF EXISTS favorites', []);
  await db.query('ALTER TABLE IF EXISTS favorites_table RENAME TO favorites', []);
}
