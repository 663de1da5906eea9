import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventEmitter } from 'node:events';

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  DataSource,
  EntityManager,
  QueryRunnerAlreadyReleasedError,
  QueryRunnerProviderAlreadyReleasedError,
} from 'typeorm';

interface ActiveTransaction {
  dataSource: DataSource;
  manager: EntityManager;
  afterCommit: Array<() => Promise<void>>;
}

/**
 * One transaction per async call chain, process-wide, so that every TransactionScope instance
 * (one per module that declares it) sees the transaction a caller opened.
 */
const active = new AsyncLocalStorage<ActiveTransaction>();

/** What TypeORM throws when a statement or the COMMIT comes after it gave the connection back. */
function isReleasedError(error: unknown): boolean {
  return (
    error instanceof QueryRunnerAlreadyReleasedError ||
    error instanceof QueryRunnerProviderAlreadyReleasedError
  );
}

/**
 * A database transaction that code further down the same call joins without being handed it:
 * repositories query through `manager`, which is the open transaction's, or the pool's outside
 * one. Work that must only happen once the data is committed (cache writes, ADR-0012) goes
 * through `afterCommit`.
 */
@Injectable()
export class TransactionScope {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The open transaction's manager, or the pool's. */
  get manager(): EntityManager {
    return this.current()?.manager ?? this.dataSource.manager;
  }

  get inTransaction(): boolean {
    return this.current() !== undefined;
  }

  /**
   * Runs `work` in a transaction (joining the open one, if any). Committed when it resolves,
   * rolled back when it throws; the after-commit tasks then run, in order, before this resolves.
   */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.inTransaction) return work();
    const afterCommit: ActiveTransaction['afterCommit'] = [];
    // The runner is taken here rather than by DataSource.transaction, so that its connection is
    // listened to from before BEGIN (below).
    const runner = this.dataSource.createQueryRunner();
    let connection: EventEmitter | undefined;
    let broken: unknown;
    const onError = (error: unknown) => {
      broken ??= error;
    };
    let result: T;
    try {
      connection = (await runner.connect()) as EventEmitter;
      connection.on('error', onError);
      result = await runner.manager.transaction((manager) =>
        active.run({ dataSource: this.dataSource, manager, afterCommit }, work),
      );
    } catch (error) {
      // TypeORM gives a transaction's connection back the moment it breaks, so what fails next
      // (BEGIN, the work's next statement, the COMMIT) reports only that it was released, which
      // no translator can tell from a bug. The connection's own error says why: PostgreSQL went
      // away, and the transaction with it (a 503, not a 500).
      throw broken !== undefined && isReleasedError(error) ? broken : error;
    } finally {
      connection?.removeListener('error', onError);
      await runner.release();
    }
    for (const task of afterCommit) await task();
    return result;
  }

  /** Runs `task` once the open transaction commits (never if it rolls back), or now outside one. */
  async afterCommit(task: () => Promise<void>): Promise<void> {
    const transaction = this.current();
    if (transaction) transaction.afterCommit.push(task);
    else await task();
  }

  private current(): ActiveTransaction | undefined {
    const transaction = active.getStore();
    // Several applications can share a process (the tests): only this one's transaction counts.
    return transaction?.dataSource === this.dataSource ? transaction : undefined;
  }
}
