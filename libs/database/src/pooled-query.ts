import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/** The node-postgres pool under a DataSource: TypeORM's PostgresDriver keeps it as `master`. */
export function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}

/**
 * One statement on the data source's own pool, without TypeORM's QueryRunner around it: the pool
 * is still the GuardedPool (breaker, bounded wait, answer timeout) and errors stay the driver's,
 * which DatabaseErrorTranslator reads raw or wrapped. For the hottest statements only, where the
 * wrapper cost about a tenth of an uncached page's throughput (docs/PERFORMANCE.md). Never inside
 * a transaction: statements that must join one go through TransactionScope's manager.
 *
 * node-postgres emits `error` on a client whose connection breaks (PostgreSQL stopped, a backend
 * terminated, the answer timeout cutting the socket), besides failing its query; pg-pool listens
 * only while the client is idle, and TypeORM adds its own listener only to connections it checks
 * out. So while a client is out here, it is listened to as well, or a broken connection would be
 * an unhandled `error` event and end the process; the client goes back with that error, so the
 * pool drops it.
 */
export async function pooledQuery<T>(
  dataSource: DataSource,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const client = await poolOf(dataSource).connect();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken ??= error;
  };
  client.on('error', onError);
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}
