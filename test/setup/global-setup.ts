import { randomBytes } from 'node:crypto';

import { DataSource } from 'typeorm';

import { MIGRATIONS } from '../../apps/api/src/migrations';
import { postgresOptions, runMigrations } from '../../libs/database/src/data-source';
import { RATE_LIMITS_FOR_OTHER_SUITES } from './rate-limits';
import { provisionTestDatabase, TestDatabase } from './test-database';
import { provisionTestRedis, TestRedis } from './test-redis';

declare global {
  var __TEST_DATABASE__: TestDatabase | undefined;
  var __TEST_REDIS__: TestRedis | undefined;
}

/** One database per run, migrated once; the suites' apps find it through the environment. */
export default async function globalSetup(): Promise<void> {
  const database = await provisionTestDatabase(process.env);
  globalThis.__TEST_DATABASE__ = database;
  const redis = await provisionTestRedis(process.env);
  globalThis.__TEST_REDIS__ = redis;
  console.log(
    `\ne2e database: ${database.source}; cache: ${redis ? `Redis (${redis.source})` : 'in-process'}`,
  );

  const dataSource = new DataSource(
    postgresOptions({ url: database.url, poolSize: 1, migrations: MIGRATIONS }),
  );
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }

  Object.assign(process.env, {
    APP_ENV: 'test',
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: String(database.poolSize),
    TEST_DATABASE_SOURCE: database.source,
    DATABASE_RUN_MIGRATIONS: 'false',
    JWT_SECRET: randomBytes(48).toString('base64'),
    BCRYPT_COST: '10',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'fatal',
    CACHE_TTL_SECONDS: '600',
    // The suites' apps share the test's own event loop, so the test's synchronous work (parsing
    // 60,000 NDJSON lines at once, building a 12 MB body) reads as the service's event-loop delay
    // and would be shed. The load-shedding suite sets its own limits; the suites that run the
    // built service (shutdown, tracing) run it with the defaults. The embedded database runs in
    // this process too: its WebAssembly PostgreSQL blocks the loop for seconds on a purge of
    // thousands of rows, so on it the limit is out of the way.
    LOAD_SHEDDING_LOOP_DELAY_MS: database.source === 'embedded' ? '30000' : '2000',
    // The suites sign up and log in many users from 127.0.0.1, and share one Redis with other
    // runs. The rate-limit suites start their apps with the real defaults (RATE_LIMIT_DEFAULTS).
    ...RATE_LIMITS_FOR_OTHER_SUITES,
    RATE_LIMIT_KEY_PREFIX: `test-rl-${randomBytes(4).toString('hex')}:`,
  });
  delete process.env.REDIS_ADDR;
  if (redis) process.env.REDIS_URL = redis.url;
  else delete process.env.REDIS_URL;
}
