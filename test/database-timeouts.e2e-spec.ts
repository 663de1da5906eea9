import { withoutTimeouts } from '../libs/database/src';
import { startTestApp, TestApp } from './support/test-app';

const STATEMENT_TIMEOUT_MS = 1000;
/** The client-side answer timeout: statement timeout + 1 s (data-source.ts). */
const ANSWER_TIMEOUT_MS = STATEMENT_TIMEOUT_MS + 1000;

/** The embedded PGlite keeps no statement timeout (ADR-0008): a real server's bounds only. */
const describeOnServer = process.env.TEST_DATABASE_SOURCE === 'embedded' ? describe.skip : describe;

/**
 * Work that may rightly run long (migrations, bulk loads) runs without the serving timeouts, and
 * the connection goes back to the pool with both of them. A pool of one: every query below runs
 * on the same connection.
 */
describeOnServer('A database session without timeouts (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: { DATABASE_POOL_SIZE: '1', DATABASE_QUERY_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS) },
      truncate: false,
    });
  });
  afterAll(() => t?.close());

  it('runs past the statement and answer timeouts, then hands the connection back with them', async () => {
    const backend = async () => (await t.db.query('SELECT pg_backend_pid() AS pid'))[0].pid;
    const before = await backend();
    const sleepSql = (ms: number) => `SELECT pg_sleep(${ms / 1000}) AS slept`;

    await expect(
      withoutTimeouts(t.db, (runner) => runner.query(sleepSql(ANSWER_TIMEOUT_MS + 500))),
    ).resolves.toEqual([{ slept: '' }]);

    expect(await backend()).toBe(before);
    expect(await t.db.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '1s' }]);
    await expect(t.db.query(sleepSql(STATEMENT_TIMEOUT_MS + 500))).rejects.toMatchObject({
      driverError: { code: '57014' }, // query_canceled
    });
    // With the server's timeout lifted by hand, the client's own still cuts the connection.
    await t.db.query('SET statement_timeout = 0');
    await expect(t.db.query(sleepSql(ANSWER_TIMEOUT_MS + 2000))).rejects.toThrow(
      `PostgreSQL gave no answer within ${ANSWER_TIMEOUT_MS} ms`,
    );
    expect(await backend()).not.toBe(before);
  });
});
