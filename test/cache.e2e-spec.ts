import Redis from 'ioredis';

import { FavoritesCache } from '../apps/api/src/favorites/cache/favorites-cache';
import { CacheBreaker } from '../libs/cache/src';
import { ApiClient } from './support/api-client';
import {
  audienceAsset,
  chartAsset,
  insightAsset,
  signUpAndLogIn,
  TestUser,
} from './support/factories';
import { parseExposition, valueOf } from './support/prometheus';
import { RedisProcess } from './support/redis-process';
import { startTestApp, TestApp } from './support/test-app';

/** Redis for the run, when there is one (always on CI); else the in-process cache stands in. */
const SHARED_REDIS = process.env.REDIS_URL;
const itWithRedis = SHARED_REDIS ? it : it.skip;

const cacheOf = (t: TestApp) => t.app.get(FavoritesCache);
const breakerOf = (t: TestApp) => t.app.get(CacheBreaker);

/** Every way a client reads a list: offset pages, a cursor walk, and past the end. */
async function everyView(api: ApiClient, token: string): Promise<unknown[]> {
  const views: unknown[] = [];
  for (const query of ['', '?limit=1', '?limit=7&page=2', '?limit=1000', '?page=99']) {
    const res = await api.get(`/favorites${query}`, { token });
    expect(res.status).toBe(200);
    views.push(res.body);
  }
  let path = '/favorites?limit=4';
  for (let pages = 0; pages < 100; pages++) {
    const res = await api.get(path, { token });
    expect(res.status).toBe(200);
    views.push(res.body);
    if (!res.body.nextCursor) break;
    path = `/favorites?limit=4&cursor=${encodeURIComponent(res.body.nextCursor)}`;
  }
  return views;
}

async function addMany(api: ApiClient, user: TestUser, count: number, prefix: string) {
  for (let i = 0; i < count; i++) {
    const body = [chartAsset, insightAsset, audienceAsset][i % 3]({ id: `${prefix}-${i}` });
    const res = await api.post('/favorites', { token: user.token, body });
    expect(res.status).toBe(201);
  }
}

describe('Favourites cache (e2e)', () => {
  let cached: TestApp;
  let reference: TestApp;

  beforeAll(async () => {
    cached = await startTestApp();
    // The same database read without any cache: what every cached answer must equal.
    reference = await startTestApp({ env: { CACHE_ENABLED: 'false' }, truncate: false });
  });
  afterAll(async () => {
    await cached?.close();
    await reference?.close();
  });

  it('answers from the cache exactly as PostgreSQL does, after every kind of write', async () => {
    const user = await signUpAndLogIn(cached.api);
    await addMany(cached.api, user, 25, 'c');
    const cache = cacheOf(cached);

    // Cold: served from PostgreSQL, and a read-repair rebuilds the list.
    expect(await everyView(cached.api, user.token)).toEqual(
      await everyView(reference.api, user.token),
    );
    await cache.repair(user.id);
    const hits = cache.stats.hits;

    const writes: Array<() => Promise<unknown>> = [
      () => cached.api.post('/favorites', { token: user.token, body: insightAsset({ id: 'n-1' }) }),
      () =>
        cached.api.patch('/favorites/c-3', { token: user.token, body: { description: 'edited' } }),
      () => cached.api.delete('/favorites/c-10', { token: user.token }),
      () => cached.api.post('/favorites', { token: user.token, body: chartAsset({ id: 'n-2' }) }),
      () => cached.api.delete('/favorites/n-1', { token: user.token }),
      () =>
        cached.api.patch('/favorites/n-2', { token: user.token, body: { description: 'again' } }),
    ];
    for (const write of writes) {
      await write();
      expect(await everyView(cached.api, user.token)).toEqual(
        await everyView(reference.api, user.token),
      );
    }
    // The cached instance really answered from the cache, not from PostgreSQL.
    expect(cache.stats.hits - hits).toBeGreaterThan(writes.length * 10);
    expect(cache.staleCount).toBe(0);
  });

  it('warms a cold list by itself, in the background, after the first read', async () => {
    const user = await signUpAndLogIn(cached.api);
    await addMany(cached.api, user, 12, 'w');
    const cache = cacheOf(cached);
    const { misses, repairs } = cache.stats;

    const cold = await cached.api.get('/favorites?limit=5', { token: user.token });
    expect(cold.status).toBe(200);
    expect(cache.stats.misses).toBe(misses + 1);
    await cache.settled();
    expect(cache.stats.repairs).toBe(repairs + 1);

    const hits = cache.stats.hits;
    const warm = await cached.api.get('/favorites?limit=5', { token: user.token });
    expect(cache.stats.hits).toBe(hits + 1);
    expect(warm.body).toEqual(cold.body);
  });

  it('keeps an empty list and a list emptied by deletes coherent', async () => {
    const user = await signUpAndLogIn(cached.api);
    await cached.api.get('/favorites', { token: user.token });
    await cacheOf(cached).repair(user.id);
    expect(await everyView(cached.api, user.token)).toEqual(
      await everyView(reference.api, user.token),
    );
    await addMany(cached.api, user, 2, 'e');
    await cached.api.delete('/favorites/e-0', { token: user.token });
    await cached.api.delete('/favorites/e-1', { token: user.token });
    expect(await everyView(cached.api, user.token)).toEqual(
      await everyView(reference.api, user.token),
    );
  });

  it('never resurrects a delete or loses an edit to a racing read-repair (1,000 rounds)', async () => {
    const user = await signUpAndLogIn(cached.api);
    await addMany(cached.api, user, 30, 'r');
    const cache = cacheOf(cached);
    const alive = new Set(Array.from({ length: 30 }, (_, i) => `r-${i}`));
    const described = new Map<string, string>();
    let added = 0;

    for (let round = 0; round < 1000; round++) {
      const ids = [...alive];
      const id = ids[round % ids.length];
      let write: Promise<unknown>;
      if (round % 3 === 0 || alive.size < 10) {
        const fresh = `r-new-${added++}`;
        alive.add(fresh);
        write = cached.api.post('/favorites', {
          token: user.token,
          body: insightAsset({ id: fresh }),
        });
      } else if (round % 3 === 1) {
        alive.delete(id);
        described.delete(id);
        write = cached.api.delete(`/favorites/${id}`, { token: user.token });
      } else {
        described.set(id, `round ${round}`);
        write = cached.api.patch(`/favorites/${id}`, {
          token: user.token,
          body: { description: `round ${round}` },
        });
      }
      // The repair reads the database while the write commits and updates the cache.
      const [res] = await Promise.all([write, cache.repair(user.id)]);
      expect((res as { status: number }).status).toBeLessThan(300);

      const page = await cached.api.get('/favorites?limit=1000', { token: user.token });
      const listed = page.body.data as Array<{ id: string; description: string }>;
      expect(new Set(listed.map((a) => a.id))).toEqual(alive);
      for (const [editedId, description] of described) {
        expect(listed.find((a) => a.id === editedId)?.description).toBe(description);
      }
    }
    expect(cache.stats.repairs + cache.stats.repairsDiscarded).toBeGreaterThanOrEqual(1000);
    // With Redis the write's cache update and the repair interleave, and some repairs lose the
    // race (proof the race was run); the in-process store on the one-connection embedded
    // database serialises them.
    if (SHARED_REDIS) expect(cache.stats.repairsDiscarded).toBeGreaterThan(0);
    expect(cache.stats.hits).toBeGreaterThan(0);
  });

  itWithRedis(
    'reads JSON evicted from Redis from PostgreSQL and puts it back; an evicted set reads as cold',
    async () => {
      const user = await signUpAndLogIn(cached.api);
      await addMany(cached.api, user, 12, 'ev');
      await cached.api.get('/favorites', { token: user.token });
      await cacheOf(cached).repair(user.id);
      const redis = new Redis(SHARED_REDIS!);
      try {
        const json = `fav:{u:${user.id}}:h`;
        await redis.hdel(json, 'ev-11', 'ev-5');
        const hits = cacheOf(cached).stats.hits;
        expect(await everyView(cached.api, user.token)).toEqual(
          await everyView(reference.api, user.token),
        );
        expect(cacheOf(cached).stats.hits).toBeGreaterThan(hits);
        expect(await redis.hexists(json, 'ev-11')).toBe(1);
        expect(await redis.hexists(json, 'ev-5')).toBe(1);

        // The sorted set gone (evicted) while its meta stays: read as cold, never as an empty list.
        await redis.del(`fav:{u:${user.id}}:z`);
        const misses = cacheOf(cached).stats.misses;
        expect(await everyView(cached.api, user.token)).toEqual(
          await everyView(reference.api, user.token),
        );
        expect(cacheOf(cached).stats.misses).toBeGreaterThan(misses);
      } finally {
        redis.disconnect();
      }
    },
  );

  itWithRedis(
    'shares one cache between instances: a write through one is read through the other',
    async () => {
      const other = await startTestApp({ truncate: false });
      try {
        const user = await signUpAndLogIn(cached.api);
        await addMany(cached.api, user, 5, 's');
        await cacheOf(cached).repair(user.id);
        const before = cacheOf(other).stats.hits;
        await cached.api.post('/favorites', {
          token: user.token,
          body: insightAsset({ id: 's-new' }),
        });
        await cached.api.patch('/favorites/s-1', { token: user.token, body: { description: 'x' } });
        await cached.api.delete('/favorites/s-2', { token: user.token });

        const seen = await other.api.get('/favorites?limit=10', { token: user.token });
        expect(cacheOf(other).stats.hits).toBe(before + 1);
        expect(seen.body).toEqual(
          (await reference.api.get('/favorites?limit=10', { token: user.token })).body,
        );
        expect(seen.body.data[0].id).toBe('s-new');
      } finally {
        await other.close();
      }
    },
  );
});

describe('Favourites cache faults (e2e, a private redis-server)', () => {
  const COMMAND_TIMEOUT_MS = 100;
  let redis: RedisProcess;
  let t: TestApp;
  let reference: TestApp;

  beforeAll(async () => {
    redis = await RedisProcess.start();
    t = await startTestApp({
      truncate: false,
      env: {
        REDIS_URL: redis.url,
        CACHE_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
        CACHE_BREAKER_RESET_MS: '300',
      },
    });
    reference = await startTestApp({ env: { CACHE_ENABLED: 'false' }, truncate: false });
  });
  afterAll(async () => {
    await t?.close();
    await reference?.close();
    await redis?.stop();
  });

  /** Mixed reads and writes; each must succeed, and within the timeout plus database time. */
  async function traffic(user: TestUser, tag: string, rounds: number): Promise<number[]> {
    const durations: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const started = performance.now();
      const results = await Promise.all([
        t.api.get('/favorites?limit=5', { token: user.token }),
        t.api.post('/favorites', { token: user.token, body: insightAsset({ id: `${tag}-${i}` }) }),
        t.api.get('/favorites?limit=20&page=2', { token: user.token }),
      ]);
      durations.push(performance.now() - started);
      expect(results.map((r) => r.status)).toEqual([200, 201, 200]);
    }
    return durations;
  }

  /** Waits for the breaker to close again (a half-open probe) and stale lists to be dropped. */
  async function recovered(user: TestUser): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      await t.api.get('/favorites?limit=1', { token: user.token });
      if (breakerOf(t).state === 'closed' && cacheOf(t).staleCount === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`not recovered: breaker ${breakerOf(t).state}, ${cacheOf(t).staleCount} stale`);
  }

  async function expectCoherent(user: TestUser): Promise<void> {
    expect(await everyView(t.api, user.token)).toEqual(await everyView(reference.api, user.token));
  }

  it('serves every request from PostgreSQL while Redis is paused, stopped and restarted', async () => {
    const user = await signUpAndLogIn(t.api);
    await addMany(t.api, user, 30, 'f');
    await t.api.get('/favorites', { token: user.token });
    await cacheOf(t).repair(user.id);
    await expectCoherent(user);

    // Paused: commands time out, the breaker opens, later writes never reach Redis, which still
    // holds the list as it was. After it resumes, no read may see that old list.
    redis.pause();
    const paused = await traffic(user, 'paused', 15);
    expect(breakerOf(t).state).not.toBe('closed');
    expect(cacheOf(t).staleCount).toBe(1);
    // The metrics say so too (summed over this process's instances; the reference's is closed).
    const metrics = parseExposition((await t.api.get('/metrics')).text);
    const breakers = (state: string) => valueOf(metrics, 'cache_circuit_breaker_state', { state });
    expect(breakers('open') + breakers('half-open')).toBe(1);
    expect(valueOf(metrics, 'favorites_cache_stale_lists')).toBe(1);
    redis.resume();
    await recovered(user);
    await expectCoherent(user);

    // Stopped, and started again empty.
    await redis.stop();
    const stopped = await traffic(user, 'stopped', 10);
    // Redis down is reported, and the service stays ready on PostgreSQL alone.
    const ready = await t.api.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details.cache).toMatchObject({ status: 'down', backend: 'redis' });
    await t.api.post('/favorites', { token: user.token, body: chartAsset({ id: 'while-down' }) });
    await redis.start();
    await recovered(user);
    await traffic(user, 'after', 5);
    await cacheOf(t).repair(user.id);
    const hits = cacheOf(t).stats.hits;
    await expectCoherent(user);
    expect(cacheOf(t).stats.hits).toBeGreaterThan(hits);
    const listed = await t.api.get('/favorites?limit=1000', { token: user.token });
    expect(listed.body.data.map((a: { id: string }) => a.id)).toContain('while-down');

    // Each round of three parallel requests took the command timeout plus database time at most.
    for (const ms of [...paused, ...stopped]) expect(ms).toBeLessThan(COMMAND_TIMEOUT_MS * 2 + 800);
  });
});
