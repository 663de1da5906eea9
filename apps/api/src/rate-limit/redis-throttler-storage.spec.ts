import { ThrottlerStorageService } from '@nestjs/throttler';
import type Redis from 'ioredis';

import { CacheBreaker } from '@app/cache';

import { RedisThrottlerStorage } from './redis-throttler-storage';

type Hit = (...args: unknown[]) => Promise<[number, number, 0 | 1, number]>;

function fakeRedis(hit: Hit) {
  const redis = { calls: [] as unknown[][], rateLimitHit: undefined as unknown as Hit };
  return Object.assign(redis, {
    defineCommand: (name: string) => {
      expect(name).toBe('rateLimitHit');
      redis.rateLimitHit = (...args: unknown[]) => {
        redis.calls.push(args);
        return hit(...args);
      };
    },
  });
}

describe(RedisThrottlerStorage.name, () => {
  let breaker: CacheBreaker;
  let local: ThrottlerStorageService;

  beforeEach(() => {
    breaker = new CacheBreaker({ resetMs: 1000 });
    local = new ThrottlerStorageService();
  });
  afterEach(() => {
    breaker.shutdown();
    local.onApplicationShutdown();
  });

  it('runs one script per hit on two keys of one slot, named by digest', async () => {
    const redis = fakeRedis(() => Promise.resolve([3, 41_500, 0, 0]));
    const sut = new RedisThrottlerStorage(redis as unknown as Redis, breaker, local, 'rl:');

    await expect(sut.increment('login-account:ada@x', 60_000, 5, 60_000, 'a')).resolves.toEqual({
      totalHits: 3,
      timeToExpire: 42,
      isBlocked: false,
      timeToBlockExpire: 0,
    });

    const [hits, block, windowMs, limit, blockMs] = redis.calls[0];
    expect(hits).toMatch(/^rl:\{[\w-]{22}\}:n$/);
    expect(block).toBe(String(hits).replace(/:n$/, ':b'));
    expect(String(hits)).not.toContain('ada');
    expect([windowMs, limit, blockMs]).toEqual([60_000, 5, 60_000]);
  });

  it('reports a blocked key with the seconds left of its block', async () => {
    const redis = fakeRedis(() => Promise.resolve([6, 60_000, 1, 59_001]));
    const sut = new RedisThrottlerStorage(redis as unknown as Redis, breaker, local, 'rl:');

    await expect(sut.increment('k', 60_000, 5, 60_000, 'a')).resolves.toMatchObject({
      isBlocked: true,
      timeToBlockExpire: 60,
    });
  });

  it('counts in process when Redis fails, so the limit still holds on this instance', async () => {
    const redis = fakeRedis(() => Promise.reject(new Error('Connection is closed.')));
    const sut = new RedisThrottlerStorage(redis as unknown as Redis, breaker, local, 'rl:');

    const results = [];
    for (let i = 0; i < 3; i++) results.push(await sut.increment('k', 60_000, 2, 60_000, 'a'));

    expect(results.map((r) => r.isBlocked)).toEqual([false, false, true]);
    expect(redis.calls).toHaveLength(3);
  });
});
