import { randomBytes } from 'node:crypto';

import { Client } from 'pg';

import { EmbeddedPostgres } from '../../libs/database/src/embedded-postgres';

export interface TestDatabase {
  /** Where it came from, printed once so a run says what it tested against. */
  source: 'TEST_DATABASE_URL' | 'testcontainers' | 'embedded';
  url: string;
  /** The embedded server serves one connection; the others take a normal pool. */
  poolSize: number;
  stop(): Promise<void>;
}

/** A fresh database on the server TEST_DATABASE_URL names, dropped when the run ends. */
async function throwawayDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `favorites_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    source: 'TEST_DATABASE_URL',
    url: url.toString(),
    poolSize: 10,
    stop: async () => {
      const client = new Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Undefined, with the reason, when no container runtime answers (as on this project's machines). */
async function containerDatabase(): Promise<TestDatabase | string> {
  try {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:16-alpine').start();
    return {
      source: 'testcontainers',
      url: container.getConnectionUri(),
      poolSize: 10,
      stop: async () => {
        await container.stop();
      },
    };
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * TEST_DATABASE_URL, else testcontainers where a Docker engine answers, else (never on CI) an
 * embedded PostgreSQL, so `npm test` passes on a fresh machine with nothing installed.
 */
export async function provisionTestDatabase(env: NodeJS.ProcessEnv): Promise<TestDatabase> {
  if (env.TEST_DATABASE_URL) return throwawayDatabase(env.TEST_DATABASE_URL);
  const container = await containerDatabase();
  if (typeof container !== 'string') return container;
  if (env.CI === 'true') {
    throw new Error(
      'CI=true and no PostgreSQL for the tests: set TEST_DATABASE_URL or provide a Docker engine ' +
        `for testcontainers (testcontainers said: ${container}). A missing database fails CI, never skips it.`,
    );
  }
  const embedded = await EmbeddedPostgres.start('memory://');
  return { source: 'embedded', url: embedded.url, poolSize: 1, stop: () => embedded.stop() };
}
