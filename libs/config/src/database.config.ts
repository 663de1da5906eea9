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
  };
});
