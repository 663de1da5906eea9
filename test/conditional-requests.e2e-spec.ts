import { randomUUID } from 'node:crypto';

import { FavoritesCache } from '../apps/api/src/favorites/cache/favorites-cache';
import { InitialSchema1764000000000 } from '../apps/api/src/migrations/1764000000000-initial-schema';
import { FavoriteVersions1767000000000 } from '../apps/api/src/migrations/1767000000000-favorite-versions';
import { ApiResponse } from './support/api-client';
import {
  chartAsset,
  expectProblem,
  insightAsset,
  signUpAndLogIn,
  TestUser,
} from './support/factories';
import { seedInsights } from './support/seed';
import { startTestApp, TestApp } from './support/test-app';

const STRONG_ETAG = /^"[\x21\x23-\x7e]+"$/;

/** A 304 as RFC 9110 has it: the ETag, no body, no content type. */
function expectNotModified(response: ApiResponse, etag: string): void {
  expect(response.status).toBe(304);
  expect(response.headers.get('etag')).toBe(etag);
  expect(response.text).toBe('');
  expect(response.headers.get('content-type')).toBeNull();
}

describe('Conditional requests: ETag, If-None-Match, If-Match (e2e)', () => {
  let t: TestApp;
  let reference: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    // The same database with no cache: lists straight from PostgreSQL.
    reference = await startTestApp({ env: { CACHE_ENABLED: 'false' }, truncate: false });
  });
  afterAll(async () => {
    await t?.close();
    await reference?.close();
  });

  async function add(user: TestUser, body: Record<string, unknown>) {
    const res = await t.api.post('/favorites', { token: user.token, body });
    expect(res.status).toBe(201);
    return res;
  }

  describe('one favourite', () => {
    it('carries a strong ETag on POST and GET, the same until it changes', async () => {
      const user = await signUpAndLogIn(t.api);
      const created = await add(user, chartAsset({ id: 'c-1' }));
      const etag = created.headers.get('etag')!;

      expect(etag).toMatch(STRONG_ETAG);
      expect(created.headers.get('location')).toBe('/favorites/c-1');
      const read = await t.api.get('/favorites/c-1', { token: user.token });
      expect(read.status).toBe(200);
      expect(read.headers.get('etag')).toBe(etag);
      const again = await t.api.get('/favorites/c-1', { token: user.token });
      expect(again.headers.get('etag')).toBe(etag);
    });

    it('answers If-None-Match with 304 for a current tag, weakly compared, in a list or *', async () => {
      const user = await signUpAndLogIn(t.api);
      const etag = (await add(user, insightAsset({ id: 'i-1' }))).headers.get('etag')!;
      const get = (ifNoneMatch: string) =>
        t.api.get('/favorites/i-1', {
          token: user.token,
          headers: { 'if-none-match': ifNoneMatch },
        });

      expectNotModified(await get(etag), etag);
      expectNotModified(await get(`W/${etag}`), etag);
      expectNotModified(await get(`"nope", ${etag}`), etag);
      expectNotModified(await get('*'), etag);
      const stale = await get('"nope"');
      expect(stale.status).toBe(200);
      expect(stale.body).toMatchObject({ id: 'i-1' });
    });

    it('changes the ETag on PATCH (the response carries the new one) and on delete and re-add', async () => {
      const user = await signUpAndLogIn(t.api);
      const first = (await add(user, insightAsset({ id: 'i-1' }))).headers.get('etag')!;

      const patched = await t.api.patch('/favorites/i-1', {
        token: user.token,
        body: { description: 'edited' },
      });
      expect(patched.status).toBe(200);
      const second = patched.headers.get('etag')!;
      expect(second).toMatch(STRONG_ETAG);
      expect(second).not.toBe(first);
      const read = await t.api.get('/favorites/i-1', {
        token: user.token,
        headers: { 'if-none-match': first },
      });
      expect(read.status).toBe(200);
      expect(read.headers.get('etag')).toBe(second);

      // The same id again is another favourite: no tag of the old one may match it.
      expect((await t.api.delete('/favorites/i-1', { token: user.token })).status).toBe(204);
      const third = (await add(user, insightAsset({ id: 'i-1' }))).headers.get('etag')!;
      expect([first, second]).not.toContain(third);
      const stale = await t.api.patch('/favorites/i-1', {
        token: user.token,
        body: { description: 'x' },
        headers: { 'if-match': second },
      });
      expectProblem(stale, 412, 'FAVORITE_CHANGED');
    });

    it("never matches one favourite's tag to another's, nor another user's", async () => {
      const user = await signUpAndLogIn(t.api);
      const other = await signUpAndLogIn(t.api);
      const etagA = (await add(user, insightAsset({ id: 'a' }))).headers.get('etag')!;
      await add(user, insightAsset({ id: 'b' }));
      const res = await t.api.post('/favorites', {
        token: other.token,
        body: insightAsset({ id: 'a' }),
      });
      expect(res.status).toBe(201);

      const patchB = await t.api.patch('/favorites/b', {
        token: user.token,
        body: { description: 'x' },
        headers: { 'if-match': etagA },
      });
      expectProblem(patchB, 412, 'FAVORITE_CHANGED');
      const patchOthers = await t.api.patch('/favorites/a', {
        token: other.token,
        body: { description: 'x' },
        headers: { 'if-match': etagA },
      });
      expectProblem(patchOthers, 412, 'FAVORITE_CHANGED');
    });
  });

  describe('If-Match on PATCH and DELETE', () => {
    it('applies a PATCH whose If-Match is current, refuses a stale one with 412 and changes nothing', async () => {
      const user = await signUpAndLogIn(t.api);
      const v1 = (await add(user, insightAsset({ id: 'i-1', description: 'one' }))).headers.get(
        'etag',
      )!;
      const patch = (description: string, ifMatch: string) =>
        t.api.patch('/favorites/i-1', {
          token: user.token,
          body: { description },
          headers: { 'if-match': ifMatch },
        });

      const ok = await patch('two', v1);
      expect(ok.status).toBe(200);
      expect(ok.body.description).toBe('two');
      const v2 = ok.headers.get('etag')!;

      expectProblem(await patch('three', v1), 412, 'FAVORITE_CHANGED');
      // If-Match uses the strong comparison: a weak tag never matches.
      expectProblem(await patch('three', `W/${v2}`), 412, 'FAVORITE_CHANGED');
      expectProblem(await patch('three', 'not a tag'), 412, 'FAVORITE_CHANGED');
      const read = await t.api.get('/favorites/i-1', { token: user.token });
      expect(read.body.description).toBe('two');
      expect(read.headers.get('etag')).toBe(v2);

      expect((await patch('four', `"other", ${v2}`)).status).toBe(200);
      expect((await patch('five', '*')).status).toBe(200);
    });

    it('answers 404, not 412, for a favourite that is not there, with or without If-Match', async () => {
      const user = await signUpAndLogIn(t.api);
      const headers = { 'if-match': '"1-aaaaaaaaaaaaaaaa"' };

      expectProblem(
        await t.api.patch('/favorites/none', {
          token: user.token,
          body: { description: 'x' },
          headers,
        }),
        404,
        'FAVORITE_NOT_FOUND',
      );
      expectProblem(
        await t.api.delete('/favorites/none', { token: user.token, headers }),
        404,
        'FAVORITE_NOT_FOUND',
      );
      expectProblem(
        await t.api.delete('/favorites/none', { token: user.token, headers: { 'if-match': '*' } }),
        404,
        'FAVORITE_NOT_FOUND',
      );
    });

    it('keeps PATCH and DELETE unconditional without If-Match, as Go clients send them', async () => {
      const user = await signUpAndLogIn(t.api);
      await add(user, insightAsset({ id: 'i-1' }));
      await t.api.patch('/favorites/i-1', { token: user.token, body: { description: 'a' } });

      const patched = await t.api.patch('/favorites/i-1', {
        token: user.token,
        body: { description: 'b' },
      });
      expect(patched.status).toBe(200);
      expect((await t.api.delete('/favorites/i-1', { token: user.token })).status).toBe(204);
    });

    it('lets exactly one of 50 parallel PATCHes with the same ETag win; 49 get 412', async () => {
      const user = await signUpAndLogIn(t.api);
      const etag = (await add(user, insightAsset({ id: 'race' }))).headers.get('etag')!;

      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          t.api.patch('/favorites/race', {
            token: user.token,
            body: { description: `edit ${i}` },
            headers: { 'if-match': etag },
          }),
        ),
      );

      const winners = responses.filter((res) => res.status === 200);
      const losers = responses.filter((res) => res.status === 412);
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(49);
      for (const loser of losers) expectProblem(loser, 412, 'FAVORITE_CHANGED');
      const read = await t.api.get('/favorites/race', { token: user.token });
      expect(read.body.description).toBe(winners[0].body.description);
      expect(read.headers.get('etag')).toBe(winners[0].headers.get('etag'));
    });

    it('deletes only at the version If-Match names', async () => {
      const user = await signUpAndLogIn(t.api);
      const v1 = (await add(user, insightAsset({ id: 'i-1' }))).headers.get('etag')!;
      const v2 = (
        await t.api.patch('/favorites/i-1', { token: user.token, body: { description: 'b' } })
      ).headers.get('etag')!;

      const stale = await t.api.delete('/favorites/i-1', {
        token: user.token,
        headers: { 'if-match': v1 },
      });
      expectProblem(stale, 412, 'FAVORITE_CHANGED');
      expect((await t.api.get('/favorites/i-1', { token: user.token })).status).toBe(200);

      const current = await t.api.delete('/favorites/i-1', {
        token: user.token,
        headers: { 'if-match': v2 },
      });
      expect(current.status).toBe(204);
      expect((await t.api.get('/favorites/i-1', { token: user.token })).status).toBe(404);
    });
  });

  describe('list pages', () => {
    /** Every page shape: offset pages and a cursor page. */
    async function pages(app: TestApp, user: TestUser): Promise<ApiResponse[]> {
      const first = await app.api.get('/favorites?limit=3', { token: user.token });
      const cursor = encodeURIComponent(first.body.nextCursor);
      return [
        first,
        await app.api.get('/favorites', { token: user.token }),
        await app.api.get('/favorites?page=2&limit=3', { token: user.token }),
        await app.api.get(`/favorites?limit=3&cursor=${cursor}`, { token: user.token }),
        await app.api.get('/favorites?page=99', { token: user.token }),
      ];
    }

    it('tags offset and cursor pages and answers If-None-Match with 304', async () => {
      const user = await signUpAndLogIn(t.api);
      for (let i = 0; i < 8; i++) await add(user, insightAsset({ id: `i-${i}` }));

      const all = await pages(t, user);
      for (const page of all) {
        expect(page.status).toBe(200);
        expect(page.headers.get('etag')).toMatch(STRONG_ETAG);
      }
      expect(new Set(all.map((page) => page.headers.get('etag'))).size).toBe(all.length);

      const etag = all[0].headers.get('etag')!;
      expectNotModified(
        await t.api.get('/favorites?limit=3', {
          token: user.token,
          headers: { 'if-none-match': etag },
        }),
        etag,
      );
      const cursorTag = all[3].headers.get('etag')!;
      const cursor = encodeURIComponent(all[0].body.nextCursor);
      expectNotModified(
        await t.api.get(`/favorites?limit=3&cursor=${cursor}`, {
          token: user.token,
          headers: { 'if-none-match': `W/${cursorTag}` },
        }),
        cursorTag,
      );
    });

    it('changes the page ETag after a POST, a PATCH and a DELETE', async () => {
      const user = await signUpAndLogIn(t.api);
      for (let i = 0; i < 3; i++) await add(user, insightAsset({ id: `i-${i}` }));
      const etagOf = async () =>
        (await t.api.get('/favorites', { token: user.token })).headers.get('etag')!;
      const seen = [await etagOf()];

      await add(user, insightAsset({ id: 'new' }));
      seen.push(await etagOf());
      await t.api.patch('/favorites/i-1', { token: user.token, body: { description: 'edited' } });
      seen.push(await etagOf());
      await t.api.delete('/favorites/i-0', { token: user.token });
      seen.push(await etagOf());

      expect(new Set(seen).size).toBe(4);
      const stale = await t.api.get('/favorites', {
        token: user.token,
        headers: { 'if-none-match': seen[0] },
      });
      expect(stale.status).toBe(200);
      expect(stale.headers.get('etag')).toBe(seen[3]);
    });

    it('gives the same ETag for the same page from the cache and from PostgreSQL', async () => {
      const user = await signUpAndLogIn(t.api);
      for (let i = 0; i < 7; i++) {
        await add(
          user,
          (i % 2 ? chartAsset : insightAsset)({ id: `m-${i}`, description: `d ${i}` }),
        );
      }
      await t.api.patch('/favorites/m-3', { token: user.token, body: { description: 'edited' } });
      const cache = t.app.get(FavoritesCache);
      await t.api.get('/favorites', { token: user.token });
      await cache.repair(user.id);
      const hits = cache.stats.hits;

      const cached = await pages(t, user);
      const database = await pages(reference, user);

      // The cached instance answered from its cache, the reference from PostgreSQL.
      expect(cache.stats.hits - hits).toBe(cached.length);
      expect(cached.map((res) => res.text)).toEqual(database.map((res) => res.text));
      expect(cached.map((res) => res.headers.get('etag'))).toEqual(
        database.map((res) => res.headers.get('etag')),
      );
      // A tag from one answers 304 on the other.
      const etag = database[0].headers.get('etag')!;
      expectNotModified(
        await t.api.get('/favorites?limit=3', {
          token: user.token,
          headers: { 'if-none-match': etag },
        }),
        etag,
      );
    });

    it('leaves the NDJSON stream untagged (its body is not known before it is sent)', async () => {
      const user = await signUpAndLogIn(t.api);
      await add(user, insightAsset({ id: 'i-1' }));

      const stream = await t.api.get('/favorites', {
        token: user.token,
        headers: { accept: 'application/x-ndjson', 'if-none-match': '*' },
      });

      expect(stream.status).toBe(200);
      expect(stream.headers.get('etag')).toBeNull();
      expect(stream.text).toContain('"i-1"');
    });
  });

  it('adds the version column without rewriting a filled table (a metadata-only change)', async () => {
    const runner = t.db.createQueryRunner();
    await runner.connect();
    const schema = `migration_check_${randomUUID().slice(0, 8)}`;
    try {
      await runner.query(`CREATE SCHEMA ${schema}`);
      await runner.query(`SET search_path TO ${schema}`);
      await new InitialSchema1764000000000().up(runner);
      const userId = randomUUID();
      await runner.query(
        `INSERT INTO users (id, email, password_hash) VALUES ($1, 'm@x.io', 'x')`,
        [userId],
      );
      await seedInsights(runner, userId, 5000, 'm');
      const fileOf = async () =>
        (
          (await runner.query(`SELECT pg_relation_filenode('favorites') AS f`)) as Array<{
            f: string;
          }>
        )[0].f;
      const before = await fileOf();

      await new FavoriteVersions1767000000000().up(runner);

      expect(await fileOf()).toBe(before);
      const [column] = await runner.query(
        `SELECT atthasmissing FROM pg_attribute
          WHERE attrelid = 'favorites'::regclass AND attname = 'version'`,
      );
      expect(column.atthasmissing).toBe(true);
      await runner.query(
        `INSERT INTO favorites (user_id, id, type, name, payload) VALUES ($1, 'new', 'insight', 'n', '{}')`,
        [userId],
      );
      const versions = await runner.query(
        `SELECT version > 1 AS fresh, count(*)::int AS n FROM favorites GROUP BY 1 ORDER BY 1`,
      );
      expect(versions).toEqual([
        { fresh: false, n: 5000 },
        { fresh: true, n: 1 },
      ]);
    } finally {
      await runner.query('RESET search_path');
      await runner.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await runner.release();
    }
  });
});
