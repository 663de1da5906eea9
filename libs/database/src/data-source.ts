import { DataSource, MigrationExecutor, MixedList, QueryRunner } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';

import { DatabaseBreaker } from './database-breaker';
import { GuardedClient, guardedPg } from './guarded-pool';
import { PG_TYPES } from './timestamptz';
import { TypeOrmLogger } from './typeorm-logger';

export type MigrationList = MixedList<string | (new () => unknown)>;

export interface PostgresOptions {
  url: string;
  poolSize: number;
  migrations: MigrationList;
  applicationName?: string;
  /** A serving instance's timeouts, waiting bound and circuit breaker (ADR-0024). */
  guard?: PostgresGuardOptions;
}

export interface PostgresGuardOptions {
  breaker: DatabaseBreaker;
  acquireTimeoutMs: number;
  maxWaiting: number;
  statementTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
}

/** Beyond statement_timeout, how long a query may wait for the server's answer (or its cancel). */
const ANSWER_MARGIN_MS = 1000;

/**
 * Session settings sent with each new connection's start-up packet, so every connection has
 * them from its first statement, whoever uses it (TypeORM, raw queries, streams, health checks).
 */
function guardedConnection(guard: PostgresGuardOptions) {
  return {
    statement_timeout: guard.statementTimeoutMs,
    idle_in_transaction_session_timeout: guard.idleInTransactionTimeoutMs,
    guard: {
      breaker: guard.breaker,
      maxWaiting: guard.maxWaiting,
      answerTimeoutMs: guard.statementTimeoutMs + ANSWER_MARGIN_MS,
    },
  };
}

/** Pool settings shared by the service, the migration command and the tests. */
export function postgresOptions(options: PostgresOptions): PostgresConnectionOptions {
  const guard = options.guard;
  return {
    type: 'postgres',
    url: options.url,
    migrations: options.migrations,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error', 'warn', 'migration'],
    logger: new TypeOrmLogger(),
    ...(guard && { driver: guardedPg }),
    extra: {
      max: options.poolSize,
      // pg-pool: the whole wait of a caller for a connection, and separately the opening of a
      // new one (passed on to the client as its connect timeout).
      connectionTimeoutMillis: guard?.acquireTimeoutMs ?? 10_000,
      idleTimeoutMillis: 30_000,
      application_name: options.applicationName ?? 'favorites-service',
      // A peer that vanished without closing (a host down, a cut network) is noticed.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      // timestamptz parsed faster than by the driver, to the same Date (timestamptz.ts).
      types: PG_TYPES,
      ...(guard && guardedConnection(guard)),
    },
  };
}

// Any constant unique to this service; replicas starting together queue on it.
const MIGRATION_LOCK_KEY = 727_245_001;

/**
 * Runs `work` on one connection of the pool with no statement timeout and no answer timeout, for
 * the work that may rightly run long: migrations (an index build, waiting on another replica's
 * lock) and bulk loads. The timeouts come back before the connection returns to the pool.
 */
export async function withoutTimeouts<T>(
  dataSource: DataSource,
  work: (runner: QueryRunner) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  const client: unknown = await runner.connect();
  if (client instanceof GuardedClient) client.unbounded = true;
  try {
    await runner.query('SET statement_timeout = 0');
    return await work(runner);
  } finally {
    await runner.query('RESET statement_timeout').catch(() => undefined);
    if (client instanceof GuardedClient) client.unbounded = false;
    await runner.release();
  }
}

/**
 * Runs pending migrations under a session advisory lock, so replicas that start together run
 * them one at a time instead of racing. Lock and migrations share one connection: a second one
 * would deadlock a pool of one (and the embedded database serves only one).
 */
export function runMigrations(dataSource: DataSource): Promise<void> {
  return withoutTimeouts(dataSource, async (runner) => {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      await executor.executePendingMigrations();
    } finally {
      await runner
        .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
        .catch(() => undefined);
    }
  });
}
