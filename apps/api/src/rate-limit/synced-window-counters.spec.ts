import type Redis from 'ioredis';

import { CacheBreaker } from '@app/cache';

import { SyncedWindowCounters } from './synced-window-counters';

const WINDOW_MS = 60_000;
const LIMIT = 3;

/** A Redis whose pipelines add to a shared table, as several instances would see it. */
class FakeRedis {
  readonly totals = new Map<string, number>();
  failing = false;
  pipelines = 0;

  pipeline() {
    const commands: Array<() => [Error | null, unknown]> = [];
    const pipeline = {
      incrby: (key: string, by: number) => {
        commands.push(() => {
          const total = (this.totals.get(key) ?? 0) + by;
          this.totals.set(key, total);
          return [null, total];
        });
        return pipeline;
      },
      pexpireat: () => {
        commands.push(() => [null, 1]);
        return pipeline;
      },
      exec: () => {
        this.pipelines++;
        if (this.failing) return Promise.reject(new Error('Connection is closed.'));
        return Promise.resolve(commands.map((command) => command()));
      },
    };
    return pipeline;
  }
}

describe(SyncedWindowCounters.name, () => {
  let now: number;
  let breaker: CacheBreaker;
  const clock = () => now;
  const instances: SyncedWindowCounters[] = [];

  function counters(redis: FakeRedis | null): SyncedWindowCounters {
    const sut = new SyncedWindowCounters(redis as unknown as Redis, breaker, 'rl:', 100, clock);
    instances.push(sut);
    return sut;
  }

  const hit = (sut: SyncedWindowCounters, key = 'user:a') => sut.increment(key, WINDOW_MS, LIMIT);

  beforeEach(() => {
    // 10 s into a window.
    now = 1_000 * WINDOW_MS + 10_000;
    breaker = new CacheBreaker({ resetMs: 1000 });
  });
  afterEach(() => {
    for (const sut of instances.splice(0)) sut.close();
    breaker.shutdown();
  });

  it('admits the limit, then refuses until the window ends', async () => {
    const sut = counters(null);

    for (let n = 1; n <= LIMIT; n++) {
      await expect(hit(sut)).resolves.toEqual({
        totalHits: n,
        timeToExpire: 50,
        isBlocked: false,
        timeToBlockExpire: 0,
      });
    }
    await expect(hit(sut)).resolves.toEqual({
      totalHits: LIMIT + 1,
      timeToExpire: 50,
      isBlocked: true,
      timeToBlockExpire: 50,
    });
    now += 50_000;
    await expect(hit(sut)).resolves.toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('counts each key on its own', async () => {
    const sut = counters(null);
    for (let n = 0; n < LIMIT; n++) await hit(sut, 'user:a');

    await expect(hit(sut, 'user:a')).resolves.toMatchObject({ isBlocked: true });
    await expect(hit(sut, 'user:b')).resolves.toMatchObject({ isBlocked: false, totalHits: 1 });
  });

  it('learns the other instances’ hits when it syncs its own', async () => {
    const redis = new FakeRedis();
    const a = counters(redis);
    const b = counters(redis);
    await hit(a);
    await hit(a);
    await a.flush();

    // Until its sync, b decides on what it has seen itself: the approximation.
    await expect(hit(b)).resolves.toMatchObject({ totalHits: 1, isBlocked: false });
    await b.flush();

    expect([...redis.totals.values()]).toEqual([3]);
    await expect(hit(b)).resolves.toMatchObject({ totalHits: 4, isBlocked: true });
  });

  it('sends all pending counters in one pipeline per sync', async () => {
    const redis = new FakeRedis();
    const sut = counters(redis);
    for (const key of ['user:a', 'user:b', 'user:c']) await hit(sut, key);

    await sut.flush();

    expect(redis.pipelines).toBe(1);
    expect(redis.totals.size).toBe(3);
    await sut.flush();
    expect(redis.pipelines).toBe(1);
  });

  it('keeps counting in process while Redis fails, and sends the hits once it answers', async () => {
    const redis = new FakeRedis();
    const sut = counters(redis);
    redis.failing = true;
    await hit(sut);
    await hit(sut);
    await sut.flush();

    expect(redis.totals.size).toBe(0);
    await expect(hit(sut)).resolves.toMatchObject({ totalHits: 3, isBlocked: false });
    await expect(hit(sut)).resolves.toMatchObject({ isBlocked: true });

    redis.failing = false;
    await sut.flush();
    expect([...redis.totals.values()]).toEqual([3]);
  });

  it('never sends the hits of a window that has ended', async () => {
    const redis = new FakeRedis();
    const sut = counters(redis);
    await hit(sut);
    now += WINDOW_MS;

    await sut.flush();

    expect(redis.pipelines).toBe(0);
  });

  it('keys the Redis counters by digest and window, never by the raw key', async () => {
    const redis = new FakeRedis();
    const sut = counters(redis);
    await hit(sut, 'login-account:ada@example.com');

    await sut.flush();

    const [key] = [...redis.totals.keys()];
    expect(key).toMatch(/^rl:\{[\w-]{22}\}:w1000$/);
    expect(key).not.toContain('ada');
  });

  it('forgets the counters of past windows', async () => {
    const sut = counters(null);
    await hit(sut, 'user:a');
    expect(sut.size).toBe(1);
    now += WINDOW_MS;

    await hit(sut, 'user:b');
    await sut.flush();

    expect(sut.size).toBe(1);
  });
});
