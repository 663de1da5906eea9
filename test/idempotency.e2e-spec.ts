import { setTimeout as sleep } from 'node:timers/promises';

import { Client } from 'pg';

import { FavoritesCache } from '../apps/api/src/favorites/cache/favorites-cache';
import { IdempotencyPurge } from '../apps/api/src/idempotency/idempotency-purge';
import { requestFingerprint } from '../apps/api/src/idempotency/idempotent-request';
import { ApiResponse } from './support/api-client';
import {
  AssetBody,
  chartAsset,
  expectProblem,
  insightAsset,
  signUpAndLogIn,
  TestUser,
} from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

/** The embedded database serves one connection: a test that holds a lock from another cannot run. */
const ONE_CONNECTION = process.env.DATABASE_POOL_SIZE === '1';
const itWithSecondConnection = ONE_CONNECTION ? it.skip : it;

describe('Idempotency-Key on POST /favorites (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (user: TestUser, key: string | undefined, body: AssetBody, app = t) =>
    app.api.post('/favorites', {
      token: user.token,
      body,
      headers: key === undefined ? {} : { 'idempotency-key': key },
    });

  async function favoritesOf(user: TestUser): Promise<string[]> {
    const rows: Array<{ id: string }> = await t.db.query(
      'SELECT id FROM favorites WHERE user_id = $1 ORDER BY id',
      [user.id],
    );
    return rows.map((row) => row.id);
  }

  function expectReplayOf(replay: ApiResponse, first: ApiResponse): void {
    expect(replay.status).toBe(first.status);
    expect(replay.text).toBe(first.text);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    for (const header of ['etag', 'location', 'content-type']) {
      expect(replay.headers.get(header)).toBe(first.headers.get(header));
    }
  }

  it('replays the first answer to a retry with the same key and body, creating nothing more', async () => {
    const user = await signUpAndLogIn(t.api);
    // No id in the body: a second run would create a second favourite under a new UUID.
    const body = insightAsset({ description: 'once' });

    const first = await post(user, 'key-1', body);
    // The same body with its keys in another order is the same request.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const retry = await post(user, 'key-1', reordered);

    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(first.headers.get('etag')).toMatch(/^".+"$/);
    expect(first.headers.get('location')).toBe(`/favorites/${first.body.id}`);
    expectReplayOf(retry, first);
    expect(await favoritesOf(user)).toEqual([first.body.id]);
  });

  it('shows the created favourite in a warm cached list at once', async () => {
    const user = await signUpAndLogIn(t.api);
    await post(user, undefined, insightAsset({ id: 'before' }));
    const cache = t.app.get(FavoritesCache);
    await t.api.get('/favorites', { token: user.token });
    await cache.repair(user.id);
    const hits = cache.stats.hits;

    expect((await post(user, 'key-1', insightAsset({ id: 'after' }))).status).toBe(201);
    const list = await t.api.get('/favorites', { token: user.token });

    expect(cache.stats.hits).toBe(hits + 1);
    expect(list.body.total).toBe(2);
    expect(list.body.data.map((asset: { id: string }) => asset.id)).toEqual(['after', 'before']);
  });

  it('refuses the same key with a different body: 422, nothing created', async () => {
    const user = await signUpAndLogIn(t.api);
    const first = await post(user, 'key-1', insightAsset({ id: 'a' }));

    const other = await post(user, 'key-1', insightAsset({ id: 'b' }));

    expect(first.status).toBe(201);
    expectProblem(other, 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(await favoritesOf(user)).toEqual(['a']);
  });

  it('scopes keys per user: the same key of another user is another request', async () => {
    const alice = await signUpAndLogIn(t.api);
    const bob = await signUpAndLogIn(t.api);

    const forAlice = await post(alice, 'shared', insightAsset({ id: 'a' }));
    const forBob = await post(bob, 'shared', insightAsset({ id: 'a' }));
    const bobsOther = await post(bob, 'alice-only', chartAsset({ id: 'c' }));
    await post(alice, 'alice-only', insightAsset({ id: 'x' }));

    expect(forAlice.status).toBe(201);
    expect(forBob.status).toBe(201);
    expect(forBob.headers.get('idempotent-replayed')).toBeNull();
    expect(bobsOther.status).toBe(201);
    expect(await favoritesOf(bob)).toEqual(['a', 'c']);
  });

  it.each([
    ['longer than 255 characters', 'k'.repeat(256)],
    ['not printable ASCII', 'cl\u00e9'],
    ['empty', ''],
  ])('refuses a key %s with 400 before doing anything', async (_what, key) => {
    const user = await signUpAndLogIn(t.api);

    expectProblem(await post(user, key, insightAsset({ id: 'a' })), 400, 'INVALID_IDEMPOTENCY_KEY');
    expect(await favoritesOf(user)).toEqual([]);
  });

  it('accepts a 255-character key', async () => {
    const user = await signUpAndLogIn(t.api);

    expect((await post(user, 'k'.repeat(255), insightAsset())).status).toBe(201);
  });

  it('stores and replays a 4xx the request earned (409), as Stripe does', async () => {
    const user = await signUpAndLogIn(t.api);
    await post(user, undefined, insightAsset({ id: 'taken' }));

    const first = await post(user, 'key-1', insightAsset({ id: 'taken' }));
    await t.api.delete('/favorites/taken', { token: user.token });
    const retry = await post(user, 'key-1', insightAsset({ id: 'taken' }));

    expectProblem(first, 409, 'FAVORITE_EXISTS');
    expectReplayOf(retry, first);
    expect(await favoritesOf(user)).toEqual([]);
  });

  it('stores nothing for a body that fails validation: the key stays free', async () => {
    const user = await signUpAndLogIn(t.api);

    const invalid = await post(user, 'key-1', insightAsset({ id: 'a', content: 42 }));
    const valid = await post(user, 'key-1', insightAsset({ id: 'a' }));

    expectProblem(invalid, 400, 'VALIDATION_FAILED');
    expect(valid.status).toBe(201);
    expect(valid.headers.get('idempotent-replayed')).toBeNull();
  });

  it('lets a first attempt that failed with a 5xx be retried with the same key', async () => {
    const user = await signUpAndLogIn(t.api);
    await t.db.query(`
      CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'boom'; END $$`);
    await t.db.query(`
      CREATE TRIGGER refuse_boom BEFORE INSERT ON favorites
        FOR EACH ROW WHEN (NEW.name = 'boom') EXECUTE FUNCTION refuse_boom()`);
    let failed: ApiResponse;
    try {
      failed = await post(user, 'key-1', insightAsset({ id: 'b', name: 'boom' }));
    } finally {
      await t.db.query('DROP TRIGGER IF EXISTS refuse_boom ON favorites');
      await t.db.query('DROP FUNCTION IF EXISTS refuse_boom()');
    }

    const retry = await post(user, 'key-1', insightAsset({ id: 'b', name: 'boom' }));

    expectProblem(failed, 500, 'INTERNAL_ERROR');
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(await favoritesOf(user)).toEqual(['b']);
  });

  it('lets a retry take over a key whose attempt never finished (a crash), after the lock timeout', async () => {
    const user = await signUpAndLogIn(t.api);
    const body = insightAsset({ id: 'a' });
    const fingerprint = requestFingerprint('POST', '/favorites', body);
    const crashed = (key: string, lockedSecondsAgo: number) =>
      t.db.query(
        `INSERT INTO idempotency_keys (user_id, key, fingerprint, token, locked_at, expires_at)
         VALUES ($1, $2, $3, gen_random_uuid(), now() - make_interval(secs => $4),
                 now() + interval '1 hour')`,
        [user.id, key, fingerprint, lockedSecondsAgo],
      );
    await crashed('recent', 1);
    await crashed('stale', 61);

    // Held for a second: maybe still running.
    expectProblem(await post(user, 'recent', body), 409, 'IDEMPOTENCY_KEY_IN_USE');
    // Held past IDEMPOTENCY_LOCK_TIMEOUT_SECONDS (60): its transaction is gone, so is its work.
    const takeover = await post(user, 'stale', body);
    expect(takeover.status).toBe(201);
    expectReplayOf(await post(user, 'stale', body), takeover);
  });

  it('answers one of 20 parallel requests with one key; the others get 409 or its replay', async () => {
    const user = await signUpAndLogIn(t.api);
    const body = chartAsset({ description: 'parallel' });

    const responses = await Promise.all(
      Array.from({ length: 20 }, () => post(user, 'parallel', body)),
    );

    const firsts = responses.filter(
      (res) => res.status === 201 && res.headers.get('idempotent-replayed') === null,
    );
    expect(firsts).toHaveLength(1);
    for (const res of responses) {
      if (res === firsts[0]) continue;
      if (res.status === 409) expectProblem(res, 409, 'IDEMPOTENCY_KEY_IN_USE');
      else expectReplayOf(res, firsts[0]);
    }
    expect(await favoritesOf(user)).toEqual([firsts[0].body.id]);
  });

  itWithSecondConnection(
    'answers 409 to a retry while the first attempt is still running, then replays its answer',
    async () => {
      const user = await signUpAndLogIn(t.api);
      const body = insightAsset({ id: 'slow' });
      // Holding the user's row makes the first attempt wait inside its transaction: the insert
      // checks the row (foreign key) and its trigger updates favorites_count.
      const blocker = new Client({ connectionString: process.env.DATABASE_URL });
      await blocker.connect();
      let first: Promise<ApiResponse> | undefined;
      try {
        await blocker.query('BEGIN');
        await blocker.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [user.id]);
        first = post(user, 'slow-key', body);
        await waitForLockWaiter(blocker);

        const concurrent = await post(user, 'slow-key', body);

        expectProblem(concurrent, 409, 'IDEMPOTENCY_KEY_IN_USE');
      } finally {
        await blocker.query('COMMIT').catch(() => undefined);
        await blocker.end();
      }
      const answered = await first;
      expect(answered.status).toBe(201);
      expectReplayOf(await post(user, 'slow-key', body), answered);
    },
  );

  describe('expiry', () => {
    let shortLived: TestApp;

    beforeAll(async () => {
      shortLived = await startTestApp({
        env: {
          IDEMPOTENCY_KEY_TTL_SECONDS: '1',
          IDEMPOTENCY_PURGE_INTERVAL_SECONDS: '0',
          IDEMPOTENCY_PURGE_BATCH_SIZE: '10',
        },
        truncate: false,
      });
    });
    afterAll(async () => {
      await shortLived?.close();
    });

    it('forgets a key once its TTL has passed: the same key then starts a new request', async () => {
      const user = await signUpAndLogIn(shortLived.api);
      const first = await post(user, 'key-1', insightAsset({ id: 'a' }), shortLived);
      expectReplayOf(await post(user, 'key-1', insightAsset({ id: 'a' }), shortLived), first);

      await sleep(1100);
      const later = await post(user, 'key-1', insightAsset({ id: 'b' }), shortLived);

      expect(later.status).toBe(201);
      expect(later.headers.get('idempotent-replayed')).toBeNull();
      expect(await favoritesOf(user)).toEqual(['a', 'b']);
    });

    it('purges expired keys in bounded batches, and only expired ones', async () => {
      const user = await signUpAndLogIn(shortLived.api);
      await t.db.query(
        `INSERT INTO idempotency_keys
                (user_id, key, fingerprint, token, state, response_status, response_body, expires_at)
         SELECT $1, 'old-' || g, 'f', gen_random_uuid(), 'complete', 201, '{}', now() - interval '1 s'
           FROM generate_series(1, 25) g`,
        [user.id],
      );
      await post(user, 'live', insightAsset({ id: 'live' }), t);
      const keysOf = async () =>
        (await t.db.query(`SELECT key FROM idempotency_keys WHERE user_id = $1`, [user.id])).map(
          (row: { key: string }) => row.key,
        );

      const deleted = await shortLived.app.get(IdempotencyPurge).purge();

      expect(deleted).toBeGreaterThanOrEqual(25);
      expect(await keysOf()).toEqual(['live']);
    });
  });
});

/** Resolves once some backend of the test database waits for a lock (the blocked request). */
async function waitForLockWaiter(client: Client): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const { rows } = await client.query<{ waiting: number }>(
      `SELECT count(*)::int AS waiting FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (rows[0].waiting > 0) return;
    await sleep(25);
  }
  throw new Error('the first request never waited for the lock');
}
