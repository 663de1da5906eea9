import { registerAs } from '@nestjs/config';

import { validateEnvironment } from './environment';

export interface DatabaseConfig {
  /** Absent: the service starts an embedded PostgreSQL (local use only). */
  url?: string;
  poolSize: number;
  runMigrations: boolean;
  embeddedDir: string;
}

export const databaseConfig = registerAs('database', (): DatabaseConfig => {
  const env = validateEnvironment(process.env);
  return {
    url: env.DATABASE_URL,
    poolSize: env.DATABASE_POOL_SIZE,
    runMigrations: env.DATABASE_RUN_MIGRATIONS,
    embeddedDir: env.EMBEDDED_DATABASE_DIR,
  };
});
