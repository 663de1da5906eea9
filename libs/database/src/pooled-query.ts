import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * One statement on the data source's own pool, without TypeORM's QueryRunner around it: the pool
 * is still the GuardedPool (breaker, bounded wait, answer timeout) and errors stay the driver's,
 * which DatabaseErrorTranslator reads raw or wrapped. For the hottest reads only, where the
 * wrapper cost about a tenth of an uncached page's throughput (docs/PERFORMANCE.md). Never inside
 * a transaction: statements that must join one go through TransactionScope's manager.
 */
export async function pooledQuery<T>(
  dataSource: DataSource,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  // TypeORM's PostgresDriver keeps the node-postgres pool it created as `master`.
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  const client = await pool.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    client.release();
  }
}
