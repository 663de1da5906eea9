import { registerAs } from '@nestjs/config';

import { validateEnvironment } from './environment';

export interface DatabaseConfig {
  /** Absent: the service starts an embedded PostgreSQL (local use only). */
  url?: string;
  poolSize: number;
  /**
   * NDJSON streams served at once; one more is answered 503 with Retry-After. At most the pool
   * size less one, so streams can never take every connection from the paged reads and writes.
   */
  streamMaxConcurrency: number;
  runMigrations: boolean;
  embeddedDir: string;
  /** Waiting for a pooled connection (and opening one), at most. */
  acquireTimeoutMs: number;
  /** Queries waiting for a connection beyond which one more is refused. */
  maxWaiting: number;
  statementTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
  breakerResetMs: number;
}

export const databaseConfig = registerAs('database', (): DatabaseConfig => {
  const env = validateEnvironment(process.env);
  return {
    url: env.DATABASE_URL,
    poolSize: env.DATABASE_POOL_SIZE,
    streamMaxConcurrency: Math.min(
      env.STREAM_MAX_CONCURRENCY,
      Math.max(1, env.DATABASE_POOL_SIZE - 1),
    ),
    runMigrations: env.DATABASE_RUN_MIGRATIONS,
    embeddedDir: env.EMBEDDED_DATABASE_DIR,
    acquireTimeoutMs: env.DATABASE_ACQUIRE_TIMEOUT_MS,
    maxWaiting: env.DATABASE_MAX_WAITING,
    statementTimeoutMs: env.DATABASE_QUERY_TIMEOUT_MS,
    idleInTransactionTimeoutMs: env.DATABASE_IDLE_TX_TIMEOUT_MS,
    breakerResetMs: env.DATABASE_BREAKER_RESET_MS,
  };
});
