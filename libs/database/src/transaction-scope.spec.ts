import { EventEmitter } from 'node:events';

import {
  DataSource,
  EntityManager,
  QueryRunnerAlreadyReleasedError,
  QueryRunnerProviderAlreadyReleasedError,
} from 'typeorm';

import { TransactionScope } from './transaction-scope';

/**
 * A DataSource whose transactions are recorded: each query runner's manager runs one, handing out
 * a manager of its own, on a connection that is an EventEmitter (as node-postgres' client is).
 */
function fakeDataSource() {
  const poolManager = { name: 'pool' } as unknown as EntityManager;
  const events: string[] = [];
  const transaction = jest.fn(async (work: (manager: EntityManager) => Promise<unknown>) => {
    const manager = { name: 'transaction' } as unknown as EntityManager;
    events.push('begin');
    try {
      const result = await work(manager);
      events.push('commit');
      return result;
    } catch (error) {
      events.push('rollback');
      throw error;
    }
  });
  const connection = new EventEmitter();
  const release = jest.fn(() => Promise.resolve(void events.push('release')));
  const dataSource = {
    manager: poolManager,
    createQueryRunner: () => ({
      connect: () => Promise.resolve(connection),
      release,
      manager: { transaction },
    }),
  };
  return {
    dataSource: dataSource as unknown as DataSource,
    poolManager,
    events,
    transaction,
    connection,
  };
}

describe(TransactionScope.name, () => {
  it("gives the pool's manager outside a transaction and the transaction's inside", async () => {
    const { dataSource, poolManager } = fakeDataSource();
    const sut = new TransactionScope(dataSource);
    // Another instance over the same DataSource (another module's) sees the same transaction.
    const other = new TransactionScope(dataSource);

    expect(sut.manager).toBe(poolManager);
    const inside = await sut.run(() => Promise.resolve([other.manager, other.inTransaction]));

    expect(inside).toEqual([{ name: 'transaction' }, true]);
    expect(sut.inTransaction).toBe(false);
  });

  it('joins an open transaction instead of nesting one', async () => {
    const { dataSource, transaction } = fakeDataSource();
    const sut = new TransactionScope(dataSource);

    await sut.run(() => sut.run(() => Promise.resolve()));

    expect(transaction).toHaveBeenCalledTimes(1);
  });

  it('runs after-commit tasks once committed, in order', async () => {
    const { dataSource, events } = fakeDataSource();
    const sut = new TransactionScope(dataSource);

    await sut.run(async () => {
      await sut.afterCommit(() => Promise.resolve(void events.push('task 1')));
      await sut.afterCommit(() => Promise.resolve(void events.push('task 2')));
      events.push('work done');
    });

    expect(events).toEqual(['begin', 'work done', 'commit', 'release', 'task 1', 'task 2']);
  });

  it('drops after-commit tasks when the transaction rolls back', async () => {
    const { dataSource, events } = fakeDataSource();
    const sut = new TransactionScope(dataSource);

    await expect(
      sut.run(async () => {
        await sut.afterCommit(() => Promise.resolve(void events.push('task')));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');

    expect(events).toEqual(['begin', 'rollback', 'release']);
  });

  it("fails with the connection's error when TypeORM let go of a broken connection", async () => {
    const { dataSource, connection } = fakeDataSource();
    const sut = new TransactionScope(dataSource);
    const cut = new Error('Connection terminated unexpectedly');

    const outcome = sut.run(() => {
      connection.emit('error', cut);
      return Promise.reject(new QueryRunnerProviderAlreadyReleasedError());
    });

    await expect(outcome).rejects.toBe(cut);
    expect(connection.listenerCount('error')).toBe(0);
  });

  it('passes "already released" on as it is when no connection broke (a bug, not an outage)', async () => {
    const { dataSource, events } = fakeDataSource();
    const sut = new TransactionScope(dataSource);

    await expect(
      sut.run(() => Promise.reject(new QueryRunnerAlreadyReleasedError())),
    ).rejects.toBeInstanceOf(QueryRunnerAlreadyReleasedError);
    expect(events).toEqual(['begin', 'rollback', 'release']);
  });

  it('runs an after-commit task at once outside a transaction', async () => {
    const { dataSource } = fakeDataSource();
    const sut = new TransactionScope(dataSource);
    const task = jest.fn(() => Promise.resolve());

    await sut.afterCommit(task);

    expect(task).toHaveBeenCalledTimes(1);
  });

  it("ignores another DataSource's transaction (another application in the process)", async () => {
    const first = fakeDataSource();
    const second = fakeDataSource();
    const sut = new TransactionScope(first.dataSource);
    const other = new TransactionScope(second.dataSource);

    const seen = await sut.run(() => Promise.resolve(other.manager));

    expect(seen).toBe(second.poolManager);
  });
});
