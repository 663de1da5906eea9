import { DataSource, MigrationExecutor, MixedList } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';

import { TypeOrmLogger } from './typeorm-logger';

export type MigrationList = MixedList<string | (new () => unknown)>;

export interface PostgresOptions {
  url: string;
  poolSize: number;
  migrations: MigrationList;
  applicationName?: string;
}

/** Pool settings shared by the service, the migration command and the tests. */
export function postgresOptions(options: PostgresOptions): PostgresConnectionOptions {
  return {
    type: 'postgres',
    url: options.url,
    migrations: options.migrations,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error', 'warn', 'migration'],
    logger: new TypeOrmLogger(),
    extra: {
      max: options.poolSize,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      application_name: options.applicationName ?? 'favorites-service',
    },
  };
}

// Any constant unique to this service; replicas starting together queue on it.
const MIGRATION_LOCK_KEY = 727_245_001;

/**
 * Runs pending migrations under a session advisory lock, so replicas that start together run
 * them one at a time instead of racing. Lock and migrations share one connection: a second one
 * would deadlock a pool of one (and the embedded database serves only one).
 */
export async function runMigrations(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    await executor.executePendingMigrations();
  } finally {
    await runner
      .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
      .catch(() => undefined);
    await runner.release();
  }
}
