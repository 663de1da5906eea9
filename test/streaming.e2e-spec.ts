import { DataSource } from 'typeorm';

import { FavoritesCache } from '../apps/api/src/favorites/cache/favorites-cache';
import { poolOf } from '../libs/database/src';
import {
  audienceAsset,
  chartAsset,
  expectProblem,
  insightAsset,
  signUpAndLogIn,
  TestUser,
} from './support/factories';
import { breakFavoritesNamedBoom, restoreFavoritesTable } from './support/faults';
import { openStream, streamAll } from './support/ndjson-client';
import { bulkQuery } from './support/seed';
import { startTestApp, TestApp } from './support/test-app';

type Asset = { id: string; type: string; createdAt: string; [field: string]: unknown };

/**
 * The embedded PostgreSQL serves one connection: a stream holds it, so checks that need a second
 * connection while a stream is open run only on a real server (always the case on CI).
 */
const ONE_CONNECTION = process.env.DATABASE_POOL_SIZE === '1';
const itWithSecondConnection = ONE_CONNECTION ? it.skip : it;

/** Favourites straight into the table; groups of three share a created time (id tie-break). */
async function seed(db: DataSource, userId: string, count: number, prefix = 'seed') {
  await bulkQuery(
    db,
    `INSERT INTO favorites (user_id, id, type, name, payload, created_at, updated_at)
     SELECT $1, $2 || '-' || lpad(g::text, 6, '0'), (ARRAY['chart', 'insight', 'audience'])[g % 3 + 1],
            'n' || g,
            CASE g % 3 WHEN 0 THEN '{"x_axis":"x","y_axis":"y","data":[{"x":1,"y":2}]}'::jsonb
                       WHEN 1 THEN '{"content":"c"}'::jsonb
                       ELSE '{"rules":{"country":"GR"}}'::jsonb END,
            timestamptz '2026-01-01' + (g / 3) * interval '1 second',
            timestamptz '2026-01-01' + (g / 3) * interval '1 second'
       FROM generate_series(1, $3) g`,
    [userId, prefix, count],
  );
}

/** Every favourite by walking the JSON pages with cursors: what the stream must equal. */
async function walkPages(t: TestApp, token: string, first = ''): Promise<Asset[]> {
  const all: Asset[] = [];
  let cursor: string | null = first || null;
  let path = `/favorites?limit=1000`;
  for (;;) {
    const page = await t.api.get(cursor ? `${path}&cursor=${encodeURIComponent(cursor)}` : path, {
      token,
    });
    expect(page.status).toBe(200);
    all.push(...page.body.data);
    cursor = page.body.nextCursor;
    if (!cursor) return all;
    path = `/favorites?limit=1000`;
  }
}

/**
 * Waits until every pooled connection is back and idle, and no request waits for one. A page read
 * of a cold list starts a background cache rebuild that reads the database: that is let finish.
 */
async function expectPoolIdle(t: TestApp): Promise<void> {
  await t.app.get(FavoritesCache).settled();
  const pool = poolOf(t.db);
  const deadline = Date.now() + 5000;
  while (pool.idleCount !== pool.totalCount || pool.waitingCount > 0) {
    if (Date.now() > deadline) {
      throw new Error(
        `pool not idle: total ${pool.totalCount}, idle ${pool.idleCount}, waiting ${pool.waitingCount}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Backends of this database, other than the asking one, that are in a query or a transaction. */
async function busyBackends(
  db: DataSource,
): Promise<Array<{ state: string; wait_event_type: string | null; query: string }>> {
  return db.query(
    `SELECT state, wait_event_type, query FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()
        AND backend_type = 'client backend' AND state <> 'idle'`,
  );
}

describe('Streaming favourites as NDJSON (e2e)', () => {
  let t: TestApp;
  let user: TestUser;
  let expected: Asset[];

  beforeAll(async () => {
    t = await startTestApp();
    user = await signUpAndLogIn(t.api);
    await seed(t.db, user.id, 2500);
    // One of each type through the API, so the stream's JSON is compared with the API's own.
    for (const body of [chartAsset(), insightAsset(), audienceAsset()]) {
      expect((await t.api.post('/favorites', { token: user.token, body })).status).toBe(201);
    }
    expected = await walkPages(t, user.token);
    expect(expected).toHaveLength(2503);
  });
  afterAll(async () => {
    await t.close();
  });

  it('streams every favourite, newest first, exactly as the pages list them', async () => {
    const { response, items } = await streamAll<Asset>(t.url, user.token);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(response.headers['transfer-encoding']).toBe('chunked');
    expect(response.headers['content-length']).toBeUndefined();
    expect(response.headers['x-request-id']).toEqual(expect.any(String));
    expect(items).toEqual(expected);
  });

  it('gives each type’s own fields, the same JSON as GET /favorites/{id}', async () => {
    const { items } = await streamAll<Asset>(t.url, user.token);
    for (const asset of items.slice(0, 3)) {
      const single = await t.api.get(`/favorites/${encodeURIComponent(asset.id)}`, {
        token: user.token,
      });
      expect(single.body).toEqual(asset);
    }
    expect(items.slice(0, 3).map((a) => a.type)).toEqual(['audience', 'insight', 'chart']);
  });

  it('streams only the caller’s favourites; an empty list is an empty 200 body', async () => {
    const other = await signUpAndLogIn(t.api);
    const empty = await openStream(t.url, other.token);
    expect(empty.response.statusCode).toBe(200);
    expect(await empty.lines()).toEqual([]);

    await t.api.post('/favorites', {
      token: other.token,
      body: insightAsset({ id: 'seed-000001' }),
    });
    const { items } = await streamAll<Asset>(t.url, other.token);
    expect(items.map((a) => [a.id, a.name])).toEqual([['seed-000001', 'Social media habits']]);
  });

  it('keeps the JSON page for Accept: application/json, */* or no Accept', async () => {
    for (const accept of [
      'application/json',
      '*/*',
      'application/x-ndjson;q=0.5, application/json',
      'text/html',
    ]) {
      const res = await t.api.get('/favorites?limit=2', { token: user.token, headers: { accept } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.body.data.map((a: Asset) => a.id)).toEqual(expected.slice(0, 2).map((a) => a.id));
    }
    const preferred = await openStream(
      t.url,
      user.token,
      '',
      'application/json;q=0.4, application/x-ndjson',
    );
    expect(preferred.response.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(await preferred.lines()).toHaveLength(expected.length);
  });

  it('filters by type', async () => {
    for (const type of ['chart', 'insight', 'audience']) {
      const { items } = await streamAll<Asset>(t.url, user.token, `?type=${type}`);
      expect(items).toEqual(expected.filter((a) => a.type === type));
    }
  });

  it('resumes after a page’s nextCursor', async () => {
    const page = await t.api.get('/favorites?limit=700', { token: user.token });
    const { items } = await streamAll<Asset>(
      t.url,
      user.token,
      `?cursor=${encodeURIComponent(page.body.nextCursor)}&type=chart`,
    );
    expect(items).toEqual(expected.slice(700).filter((a) => a.type === 'chart'));
  });

  it('answers a bad request with a real status and problem+json, before any line', async () => {
    const page = await t.api.get('/favorites?limit=5', { token: user.token });
    const other = await signUpAndLogIn(t.api);
    const ndjson = { accept: 'application/x-ndjson' };
    const cases: Array<[string, string, number, string?]> = [
      [user.token, '?page=2', 400, 'NOT_A_STREAM_PARAMETER'],
      [user.token, '?limit=10', 400, 'NOT_A_STREAM_PARAMETER'],
      [user.token, '?type=video', 400, 'VALIDATION_FAILED'],
      [user.token, '?cursor=not-a-cursor', 400],
      [other.token, `?cursor=${encodeURIComponent(page.body.nextCursor)}`, 400],
      ['', '', 401],
    ];
    for (const [token, query, status, code] of cases) {
      const res = await t.api.get(`/favorites${query}`, { token, headers: ndjson });
      expectProblem(res, status, code);
    }
  });

  it('refuses a type filter on a JSON page, which would make total lie', async () => {
    const res = await t.api.get('/favorites?type=chart', { token: user.token });
    expectProblem(res, 400, 'TYPE_FILTER_NEEDS_STREAM');
  });

  it('reads one snapshot: writes during a stream never duplicate or drop a row', async () => {
    const writer = await signUpAndLogIn(t.api);
    await seed(t.db, writer.id, 2500, 'snap');
    const before = await walkPages(t, writer.token);
    const stream = await openStream(t.url, writer.token);
    // The query runs (and takes its snapshot) before the first byte; now change the list under it.
    const writes = Promise.all([
      ...Array.from({ length: 20 }, (_, i) =>
        t.api.post('/favorites', { token: writer.token, body: insightAsset({ id: `new-${i}` }) }),
      ),
      ...before
        .slice(1000, 1020)
        .map((a) => t.api.delete(`/favorites/${a.id}`, { token: writer.token })),
    ]);
    if (!ONE_CONNECTION) await writes; // with one connection they wait for the stream to end
    const items = (await stream.lines()).map((line) => JSON.parse(line) as Asset);
    expect((await writes).map((res) => res.status)).toEqual([
      ...Array<number>(20).fill(201),
      ...Array<number>(20).fill(204),
    ]);

    expect(new Set(items.map((a) => a.id)).size).toBe(items.length);
    expect(items).toEqual(before);

    const after = (await streamAll<Asset>(t.url, writer.token)).items.map((a) => a.id);
    // The new ones were added in parallel, so their order among themselves is not known.
    expect(after.slice(0, 20).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `new-${i}`).sort(),
    );
    expect(after.slice(20)).toEqual(
      before.filter((_, i) => i < 1000 || i >= 1020).map((a) => a.id),
    );
  });

  itWithSecondConnection(
    'pulls from the database only as fast as the client reads (backpressure)',
    async () => {
      const big = await signUpAndLogIn(t.api);
      // COPY runs ahead of the service by what the connection's kernel buffers hold (loopback
      // here: up to 32 MiB received, 4 MiB sent; tcp_rmem, tcp_wmem), plus the response's own:
      // 400,000 rows are ~70 MB, well beyond them.
      await seed(t.db, big.id, 400_000, 'big');
      const stream = await openStream(t.url, big.token); // headers read, body left unread
      try {
        // 400,000 rows take about two seconds to read at full speed: give it as long.
        await new Promise((resolve) => setTimeout(resolve, 2000));
        // Were the rows read into memory, the statement would be done and its transaction idle;
        // instead its backend still runs it, waiting on the service to take more rows.
        expect(await busyBackends(t.db)).toEqual([
          expect.objectContaining({
            state: 'active',
            wait_event_type: 'Client',
            query: expect.stringContaining(`FROM favorites WHERE user_id = '${big.id}'`),
          }),
        ]);
        expect(await stream.lines()).toHaveLength(400_000);
      } finally {
        stream.abort();
      }
      await expectPoolIdle(t);
      expect(await busyBackends(t.db)).toEqual([]);
    },
  );

  it('releases the connection and stops the query for each of 100 clients that disconnect', async () => {
    const big = await signUpAndLogIn(t.api);
    await seed(t.db, big.id, 40_000, 'abort');
    await expectPoolIdle(t);
    const baseline = poolOf(t.db).totalCount;

    for (let aborted = 0; aborted < 100;) {
      const stream = await openStream(t.url, big.token);
      if (stream.response.statusCode === 503) {
        // Too many streams still closing: wait as the server asks, then try again.
        stream.abort();
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      expect(stream.response.statusCode).toBe(200);
      await new Promise((resolve) => stream.response.once('data', resolve).resume());
      stream.abort();
      aborted++;
    }

    await expectPoolIdle(t);
    expect(poolOf(t.db).totalCount).toBeLessThanOrEqual(Math.max(baseline, 10));
    expect(await busyBackends(t.db)).toEqual([]);
    // The next request is served at once: a leaked pool would leave it waiting forever.
    const next = await fetch(`${t.url}/favorites?limit=1`, {
      headers: { authorization: `Bearer ${big.token}` },
      signal: AbortSignal.timeout(5000),
    });
    expect(next.status).toBe(200);
    const whole = await streamAll<Asset>(t.url, big.token);
    expect(whole.items).toHaveLength(40_000);
  });

  it('ends a stream broken after its first byte with an error line, then recovers', async () => {
    const victim = await signUpAndLogIn(t.api);
    await seed(t.db, victim.id, 3000, 'err');
    // The 1,500th row fails to read: after the first batches have gone out with a 200.
    await t.db.query(
      `UPDATE favorites SET name = 'boom' WHERE user_id = $1 AND id = 'err-001500'`,
      [victim.id],
    );
    await breakFavoritesNamedBoom(t.db);
    try {
      const stream = await openStream(t.url, victim.token);
      expect(stream.response.statusCode).toBe(200);
      const lines = await stream.lines();
      const last = JSON.parse(lines.pop()!);
      expect(last).toEqual({
        error: expect.objectContaining({
          status: 500,
          code: 'STREAM_INTERRUPTED',
          requestId: stream.response.headers['x-request-id'],
        }),
      });
      expect(JSON.stringify(last)).not.toMatch(/division|zero|SQL|favorites_table/i);
      // Every line before it is a whole asset, in order, ending before the broken row.
      const ids = lines.map((line) => (JSON.parse(line) as Asset).id);
      expect(ids.length).toBeGreaterThan(0);
      expect(ids.length).toBeLessThan(1501);
      expect(ids).toEqual(
        Array.from({ length: ids.length }, (_, i) => `err-${String(3000 - i).padStart(6, '0')}`),
      );
    } finally {
      await restoreFavoritesTable(t.db);
    }
    await expectPoolIdle(t);
    expect(await busyBackends(t.db)).toEqual([]);
    expect((await streamAll<Asset>(t.url, victim.token)).items).toHaveLength(3000);
  });
});

describe('Stream admission (e2e)', () => {
  let t: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ env: { STREAM_MAX_CONCURRENCY: '1' } });
    user = await signUpAndLogIn(t.api);
    await seed(t.db, user.id, 60_000, 'adm');
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 503 with Retry-After beyond STREAM_MAX_CONCURRENCY, and admits again after', async () => {
    const holding = await openStream(t.url, user.token); // unread: it stays open
    const refused = await t.api.get('/favorites', {
      token: user.token,
      headers: { accept: 'application/x-ndjson' },
    });
    expectProblem(refused, 503, 'TOO_MANY_STREAMS');
    expect(refused.headers.get('retry-after')).toBe('1');
    if (!ONE_CONNECTION) {
      // Paged reads are not streams: they are still served.
      expect((await t.api.get('/favorites?limit=1', { token: user.token })).status).toBe(200);
    }

    expect(await holding.lines()).toHaveLength(60_000);
    await expectPoolIdle(t);
    const again = await openStream(t.url, user.token);
    expect(again.response.statusCode).toBe(200);
    expect(await again.lines()).toHaveLength(60_000);
  });
});
