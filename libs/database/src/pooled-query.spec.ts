import { EventEmitter } from 'node:events';

import type { DataSource } from 'typeorm';

import { pooledQuery } from './pooled-query';

/**
 * A checked-out node-postgres client as the driver behaves: `query` answers rows, or, when the
 * connection breaks, emits `error` on the client (synchronously, as Client._handleErrorEvent
 * does) and fails the query with the same error.
 */
class FakeClient extends EventEmitter {
  release = jest.fn<void, [Error | undefined]>();

  constructor(private readonly breakWith?: Error) {
    super();
  }

  query(): Promise<{ rows: unknown[] }> {
    if (!this.breakWith) return Promise.resolve({ rows: [{ n: 1 }] });
    this.emit('error', this.breakWith);
    return Promise.reject(this.breakWith);
  }
}

const dataSourceOf = (client: FakeClient) =>
  ({ driver: { master: { connect: () => Promise.resolve(client) } } }) as unknown as DataSource;

describe(pooledQuery.name, () => {
  it('answers the rows and gives the client back as it was', async () => {
    const client = new FakeClient();

    await expect(pooledQuery(dataSourceOf(client), 'SELECT 1 AS n', [])).resolves.toEqual([
      { n: 1 },
    ]);
    expect(client.release).toHaveBeenCalledTimes(1);
    expect(client.release.mock.calls[0][0]).toBeUndefined();
    expect(client.listenerCount('error')).toBe(0);
  });

  it('fails the query when the connection breaks, without an unhandled error event', async () => {
    const cut = Object.assign(new Error('PostgreSQL gave no answer within 2000 ms'), {
      code: 'ETIMEDOUT',
    });
    const client = new FakeClient(cut);

    await expect(pooledQuery(dataSourceOf(client), 'SELECT 1', [])).rejects.toBe(cut);
    // Given back with its error, so the pool drops the connection instead of reusing it.
    expect(client.release).toHaveBeenCalledWith(cut);
    expect(client.listenerCount('error')).toBe(0);
  });
});
