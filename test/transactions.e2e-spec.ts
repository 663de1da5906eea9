import { randomBytes } from 'node:crypto';

import { Client, type PoolClient } from 'pg';

import {
  DatabaseBreaker,
  DatabaseErrorTranslator,
  DatabaseUnavailableError,
  GuardedPool,
  TransactionScope,
} from '../libs/database/src';
import { startTestApp, TestApp } from './support/test-app';

/** PGlite (embedded) has one session and no pg_terminate_backend: a real server only. */
const describeOnServer = process.env.TEST_DATABASE_SOURCE === 'embedded' ? describe.skip : describe;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeOnServer('Transactions on a PostgreSQL server (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ truncate: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  /**
   * TypeORM gives a transaction's connection back to the pool the moment node-postgres reports it
   * broken; the statement or COMMIT after that fails only with "already released". TransactionScope
   * answers with the connection's own error instead, which the translator makes a 503.
   */
  describe('A transaction whose connection breaks', () => {
    let admin: Client;
    let scope: TransactionScope;
    let translator: DatabaseErrorTranslator;

    beforeAll(async () => {
      scope = t.app.get(TransactionScope);
      translator = new DatabaseErrorTranslator(t.app.get(DatabaseBreaker));
      admin = new Client({ connectionString: (t.db.options as { url?: string }).url });
      await admin.connect();
    });
    afterAll(async () => {
      await admin?.end();
    });

    /** Terminates the transaction's backend from outside, and waits until TypeORM has let go. */
    async function cutTheConnection(): Promise<void> {
      const [{ pid }] = await scope.manager.query<Array<{ pid: number }>>(
        'SELECT pg_backend_pid() AS pid',
      );
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      const runner = scope.manager.queryRunner as unknown as { isReleased: boolean };
      for (let waited = 0; !runner.isReleased; waited += 20) {
        if (waited > 5000) throw new Error('TypeORM never saw the connection break');
        await sleep(20);
      }
    }

    async function failureOf(outcome: Promise<unknown>): Promise<Error> {
      const error = await outcome.then(
        () => undefined,
        (reason: Error) => reason,
      );
      if (!error) throw new Error('the transaction succeeded');
      return error;
    }

    it("fails a statement after the break with the connection's error, a 503", async () => {
      const error = await failureOf(
        scope.run(async () => {
          await cutTheConnection();
          await scope.manager.query('SELECT 1');
        }),
      );

      expect(error.constructor.name).not.toMatch(/AlreadyReleased/);
      expect(translator.translate(error)).toBeInstanceOf(DatabaseUnavailableError);
    });

    it("fails the COMMIT after the break with the connection's error, and nothing is kept", async () => {
      const table = `tx_probe_${randomBytes(4).toString('hex')}`;
      try {
        const error = await failureOf(
          scope.run(async () => {
            await scope.manager.query(`CREATE TABLE ${table} (n int)`);
            await cutTheConnection();
          }),
        );

        expect(error.constructor.name).not.toMatch(/AlreadyReleased/);
        expect(translator.translate(error)).toBeInstanceOf(DatabaseUnavailableError);
        const [{ exists }] = await t.db.query<Array<{ exists: boolean }>>(
          'SELECT to_regclass($1) IS NOT NULL AS exists',
          [table],
        );
        expect(exists).toBe(false);
      } finally {
        await t.db.query(`DROP TABLE IF EXISTS ${table}`);
      }
    });

    it('leaves no listener behind on a connection that went back to the pool', async () => {
      const listeners = await scope.run(() => {
        const runner = scope.manager.queryRunner as unknown as {
          databaseConnection: { listenerCount(event: string): number };
        };
        return Promise.resolve({
          client: runner.databaseConnection,
          during: runner.databaseConnection.listenerCount('error'),
        });
      });

      // The client's own (GuardedClient keeps one for life), TypeORM's and TransactionScope's
      // while it ran; once it is over, the client's own and the pool's, which it keeps on every
      // idle client.
      expect(listeners.during).toBe(3);
      expect(listeners.client.listenerCount('error')).toBe(2);
    });
  });

  /**
   * How a failed transaction ends while the circuit opens meanwhile (an outage, a locked table):
   * the ROLLBACK must still reach PostgreSQL, and a connection given back inside a transaction must
   * never reach the next caller, whose every query would otherwise fail with 25P02.
   */
  describe('A failed transaction on the guarded pool', () => {
    let breaker: DatabaseBreaker;
    let pool: GuardedPool;

    beforeEach(() => {
      breaker = new DatabaseBreaker({ resetMs: 60_000 });
      pool = new GuardedPool({
        connectionString: (t.db.options as { url?: string }).url,
        max: 1,
        connectionTimeoutMillis: 5000,
        guard: { breaker, maxWaiting: 10, answerTimeoutMs: 5000 },
      });
    });
    afterEach(async () => {
      breaker.shutdown();
      await pool.end();
    });

    /** A connection the way TypeORM takes one: the callback form, with its `done`. */
    function take(): Promise<{ client: PoolClient; done: (release?: unknown) => void }> {
      return new Promise((resolve, reject) =>
        pool.connect((err, client, done) =>
          err ? reject(err) : resolve({ client: client!, done }),
        ),
      );
    }

    /** A transaction aborted by a failed statement, as any constraint violation leaves one. */
    async function abortedTransaction(client: PoolClient): Promise<void> {
      await client.query('START TRANSACTION');
      await expect(client.query('SELECT 1/0')).rejects.toMatchObject({ code: '22012' });
    }

    async function openTheCircuit(): Promise<void> {
      const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      for (let i = 0; i < 5; i++) await breaker.run(() => Promise.reject(refused)).catch(() => {});
      expect(breaker.state).toBe('open');
    }

    it('sends the ROLLBACK even while the circuit is open, and only the ROLLBACK', async () => {
      const { client, done } = await take();
      try {
        await abortedTransaction(client);
        await openTheCircuit();

        await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: 'EOPENBREAKER' });
        await expect(client.query('ROLLBACK')).resolves.toMatchObject({ command: 'ROLLBACK' });
      } finally {
        done();
      }
    });

    /** The backend of the connection the pool hands out next, asked on it. */
    async function nextBackend(): Promise<number> {
      const { client, done } = await take();
      try {
        return (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      } finally {
        done();
      }
    }

    it('closes a connection given back inside a transaction instead of handing it out again', async () => {
      const { client, done } = await take();
      const [{ pid }] = (await client.query('SELECT pg_backend_pid() AS pid')).rows;
      await abortedTransaction(client);
      done(); // as TypeORM does after a ROLLBACK that failed: that error swallowed

      await expect(nextBackend()).resolves.not.toBe(pid);
      expect(pool.totalCount).toBe(1);
    });

    it('keeps a connection given back idle', async () => {
      const { client, done } = await take();
      const [{ pid }] = (await client.query('SELECT pg_backend_pid() AS pid')).rows;
      await client.query('START TRANSACTION');
      await client.query('COMMIT');
      done();

      await expect(nextBackend()).resolves.toBe(pid);
    });
  });
});
