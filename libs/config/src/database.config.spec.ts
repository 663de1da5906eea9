import { databaseConfig } from './database.config';

describe('databaseConfig', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  const load = (env: Record<string, string>) => {
    process.env = { ...saved, APP_ENV: 'test', JWT_SECRET: 'x'.repeat(32), ...env };
    return databaseConfig();
  };

  it('serves STREAM_MAX_CONCURRENCY streams when the pool has room for other requests', () => {
    expect(load({ DATABASE_POOL_SIZE: '10', STREAM_MAX_CONCURRENCY: '4' })).toMatchObject({
      poolSize: 10,
      streamMaxConcurrency: 4,
    });
  });

  it('keeps one pooled connection out of the streams’ reach', () => {
    expect(load({ DATABASE_POOL_SIZE: '4', STREAM_MAX_CONCURRENCY: '8' })).toMatchObject({
      streamMaxConcurrency: 3,
    });
  });

  it('still admits one stream on a one-connection pool', () => {
    expect(load({ DATABASE_POOL_SIZE: '1', STREAM_MAX_CONCURRENCY: '4' })).toMatchObject({
      streamMaxConcurrency: 1,
    });
  });
});
