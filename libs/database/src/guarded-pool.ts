import type { EventEmitter } from 'node:events';

import * as pg from 'pg';

import { DatabaseBreaker } from './database-breaker';
import { PoolQueueFullError } from './pg-errors';

/** What a serving instance puts between its code and PostgreSQL (ADR-0024). */
export interface DatabaseGuard {
  breaker: DatabaseBreaker;
  /** Queries waiting for a connection at most; one more is refused with DatabaseBusyError. */
  maxWaiting: number;
  /**
   * How long a query may go without an answer before its connection is cut: the backstop for a
   * server that cannot even cancel (stopped process, lost network), above statement_timeout.
   */
  answerTimeoutMs: number;
}

type Done = (release?: unknown) => void;
type ConnectCallback = (
  err: Error | undefined,
  client: pg.PoolClient | undefined,
  done: Done,
) => void;

/**
 * node-postgres' pool with four additions: while the circuit is open, taking a connection fails
 * at once (opossum's EOPENBREAKER); no more than `maxWaiting` callers queue for a connection
 * (pg-pool's queue has no bound; one more gets PoolQueueFullError); every connection is a
 * GuardedClient; and a connection TypeORM gives back inside a transaction is closed, not reused.
 * Errors stay the driver's: DatabaseErrorTranslator turns them into 503s. pg-pool's
 * `connectionTimeoutMillis` already bounds the whole wait of a queued caller (and, separately,
 * the opening of a new connection). TypeORM creates it (the `driver` option) and calls
 * `connect(callback)`.
 */
export class GuardedPool extends pg.Pool {
  readonly guard: DatabaseGuard;

  constructor(config: pg.PoolConfig & { guard: DatabaseGuard }) {
    super({ ...config, Client: GuardedClient });
    this.guard = config.guard;
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    const acquired = this.acquire();
    if (!callback) return acquired;
    acquired.then(
      (client) =>
        callback(undefined, client, (release) =>
          client.release((release as Error | undefined) ?? leftInTransaction(client)),
        ),
      (error: Error) => callback(error, undefined, () => undefined),
    );
  }

  private async acquire(): Promise<pg.PoolClient> {
    if (this.waitingCount >= this.guard.maxWaiting && this.idleCount === 0) {
      throw new PoolQueueFullError(this.waitingCount);
    }
    return this.guard.breaker.run(() => super.connect());
  }
}

/**
 * Why a connection given back inside a transaction must not be handed out again, if it was: its
 * next user's queries would run in that transaction, or (aborted) all fail with 25P02. Given to
 * the pool's release, it makes the pool close the connection.
 */
function leftInTransaction(client: pg.PoolClient): Error | undefined {
  const { transactionStatus: status } = client as unknown as Partial<GuardedClient>;
  return status === 'T' || status === 'E'
    ? new Error(`connection given back inside a transaction (status ${status})`)
    : undefined;
}

/** A ROLLBACK (or ROLLBACK TO SAVEPOINT) as TypeORM sends it: a plain string. */
function isRollback(config: unknown): boolean {
  return typeof config === 'string' && config.startsWith('ROLLBACK');
}

/**
 * A connection whose promise-style queries go through the circuit breaker and get an answer
 * within `answerTimeoutMs`, or the connection is cut (its error fails the query, and the pool
 * drops it on release). Streams (submittable queries) are left alone: they are paced by the
 * client reading them, and bounded by the stream's own settings.
 *
 * A ROLLBACK skips the breaker (but not the answer timeout): it ends a transaction that already
 * failed, on a connection already taken, and must not be refused because the circuit opened
 * meanwhile. Refused, it left the transaction open and aborted: TypeORM ignores a failed
 * rollback and gives the connection back, and every later query on it failed with 25P02.
 */
export class GuardedClient extends pg.Client {
  private readonly guard?: DatabaseGuard;
  /** Set while a session deliberately runs without timeouts (migrations). */
  unbounded = false;
  /**
   * The transaction status of the last ReadyForQuery: 'I' idle, 'T' in a transaction, 'E' in a
   * failed one; undefined before the first.
   */
  transactionStatus?: 'I' | 'T' | 'E';

  constructor(config: pg.ClientConfig & { guard?: DatabaseGuard } = {}) {
    super(config);
    this.guard = config.guard;
    // node-postgres emits a broken connection's error on the client, and an `error` event no one
    // listens to ends the process. The pool listens while a client is idle and each borrower
    // (TypeORM's query runner, pooledQuery, TransactionScope) while it holds one, but not in
    // between: pg-pool removes its listener as it hands a client out, and a promise-style borrower
    // adds its own a microtask later. When a new connection's ReadyForQuery and a FATAL (a backend
    // terminated as it starts: faults e2e in CI, 2026-12-07) arrive in one packet, the parser
    // emits the error in that gap (brianc/node-postgres#2439). This listener keeps it from ending
    // the process: the client is handed out unqueryable, its first query fails as unavailable,
    // and the pool drops it when it is released.
    this.on('error', ignoreHandledElsewhere);
    // Registered before the client's own listener (added on connect), so the status is current
    // by the time a query's promise settles.
    (this.connection as unknown as EventEmitter).on(
      'readyForQuery',
      (message: { status: 'I' | 'T' | 'E' }) => {
        this.transactionStatus = message.status;
      },
    );
  }

  // `any`: the one signature standing for node-postgres' overloads (promise, callback, stream).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: unknown[]): any {
    const [config, values, callback] = args as [{ submit?: unknown }, unknown, unknown];
    const guard = this.guard;
    if (
      !guard ||
      typeof config?.submit === 'function' ||
      typeof values === 'function' ||
      typeof callback === 'function'
    ) {
      return (super.query as (...a: unknown[]) => unknown)(...args);
    }
    const send = () => super.query(config as pg.QueryConfig, values as unknown[]);
    const answered = () =>
      this.unbounded ? send() : this.answeredWithin(send(), guard.answerTimeoutMs);
    return isRollback(config) ? answered() : guard.breaker.run(answered);
  }

  private answeredWithin<T>(answer: Promise<T>, ms: number): Promise<T> {
    const timer = setTimeout(() => {
      const error = Object.assign(new Error(`PostgreSQL gave no answer within ${ms} ms`), {
        code: 'ETIMEDOUT',
      });
      (this.connection as unknown as { stream: { destroy(error: Error): void } }).stream.destroy(
        error,
      );
    }, ms);
    return answer.finally(() => clearTimeout(timer));
  }
}

/** Whoever holds the client hears the error too; alone, this one only keeps the process up. */
function ignoreHandledElsewhere(): void {}

/** node-postgres as TypeORM's `driver`, with the guarded pool in place of its own. */
// Defined, not assigned: compiled by tsc, the module namespace's members are getters only.
export const guardedPg = Object.create(pg, {
  Pool: { value: GuardedPool, enumerable: true },
}) as typeof pg;
