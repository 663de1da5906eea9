import { AsyncLocalStorage } from 'node:async_hooks';

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

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
    const result = await this.dataSource.transaction((manager) =>
      active.run({ dataSource: this.dataSource, manager, afterCommit }, work),
    );
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
