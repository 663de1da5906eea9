import { DataSource } from 'typeorm';

import { withoutTimeouts } from '../../libs/database/src';

/** Anything that runs SQL with parameters: a TypeORM DataSource or a pg Client. */
export interface Sql {
  query(text: string, params: unknown[]): Promise<unknown>;
}

/**
 * A bulk load. Through the service's own pool it runs without the serving timeouts: hundreds of
 * thousands of rows may take longer than the 5 s statement timeout on a busy machine (seen on CI).
 */
export async function bulkQuery(sql: Sql, text: string, params: unknown[]): Promise<void> {
  if (sql instanceof DataSource) await withoutTimeouts(sql, (runner) => runner.query(text, params));
  else await sql.query(text, params);
}

/**
 * `count` insight favourites straight into the table (ids `<prefix>-1`…, the highest newest), for
 * lists too long to add one request at a time. The user's count is kept by the table's trigger.
 */
export async function seedInsights(sql: Sql, userId: string, count: number, prefix: string) {
  await bulkQuery(
    sql,
    `INSERT INTO favorites (user_id, id, type, name, payload, created_at, updated_at)
     SELECT $1, $3 || '-' || g, 'insight', 'n' || g, '{"content":"a few words of insight"}'::jsonb,
            timestamptz '2026-01-01' + g * interval '1 ms', timestamptz '2026-01-01'
       FROM generate_series(1, $2) g`,
    [userId, count, prefix],
  );
}
