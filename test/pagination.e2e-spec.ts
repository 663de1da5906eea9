import { expectProblem, insightAsset, signUpAndLogIn, TestUser } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

type Page = {
  data: Array<{ id: string; createdAt: string }>;
  total: number;
  page: number | null;
  limit: number;
  nextCursor: string | null;
};

/**
 * Seeds `count` favourites straight into the table with controlled timestamps: groups of three
 * share one created_at, so the id tie-break of the keyset order is exercised.
 */
async function seed(t: TestApp, userId: string, count: number, prefix = 'seed'): Promise<void> {
  await t.db.query(
    `INSERT INTO favorites (user_id, id, type, name, payload, created_at, updated_at)
     SELECT $1, $2 || '-' || lpad(g::text, 5, '0'), 'insight', 'n' || g, '{"content":"c"}',
            timestamptz '2026-01-01' + (g / 3) * interval '1 second',
            timestamptz '2026-01-01' + (g / 3) * interval '1 second'
       FROM generate_series(1, $3) g`,
    [userId, prefix, count],
  );
}

/** The order the API promises: created time, then id, both descending (byte order for ids). */
function expectedOrder(rows: Array<{ id: string; createdAt: string }>): string[] {
  return [...rows]
    .sort(
      (a, b) => b.createdAt.localeCompare(a.createdAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
    )
    .map((r) => r.id);
}

describe('Listing favourites (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('GET /favorites?page=&limit=', () => {
    let user: TestUser;

    beforeAll(async () => {
      user = await signUpAndLogIn(t.api);
      await seed(t, user.id, 25);
    });

    it('answers {data, total, page, limit, nextCursor} with a default limit of 10, newest first', async () => {
      const res = await t.api.get<Page>('/favorites', { token: user.token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        data: expect.any(Array),
        total: 25,
        page: 1,
        limit: 10,
        nextCursor: expect.any(String),
      });
      expect(res.body.data.map((a) => a.id)).toEqual([
        'seed-00025',
        'seed-00024',
        'seed-00023',
        'seed-00022',
        'seed-00021',
        'seed-00020',
        'seed-00019',
        'seed-00018',
        'seed-00017',
        'seed-00016',
      ]);
    });

    it('orders rows sharing a created time by id, descending', async () => {
      const all = (await t.api.get<Page>('/favorites?limit=1000', { token: user.token })).body.data;
      expect(all).toHaveLength(25);
      expect(all.map((a) => a.id)).toEqual(expectedOrder(all));
      // seed-00025 and seed-00024 share a created time; the larger id comes first.
      expect(all[0].createdAt).toBe(all[1].createdAt);
    });

    it('serves later pages and an empty page past the end', async () => {
      const third = await t.api.get<Page>('/favorites?page=3&limit=10', { token: user.token });
      expect(third.body).toMatchObject({ page: 3, limit: 10, total: 25, nextCursor: null });
      expect(third.body.data.map((a) => a.id)).toEqual([
        'seed-00005',
        'seed-00004',
        'seed-00003',
        'seed-00002',
        'seed-00001',
      ]);
      const beyond = await t.api.get<Page>('/favorites?page=1000000000&limit=1000', {
        token: user.token,
      });
      expect(beyond.status).toBe(200);
      expect(beyond.body).toMatchObject({
        data: [],
        total: 25,
        page: 1_000_000_000,
        nextCursor: null,
      });
    });

    it('caps limit at 1000', async () => {
      for (const limit of ['1001', '5000', '99999999999999999999999']) {
        const res = await t.api.get<Page>(`/favorites?limit=${limit}`, { token: user.token });
        expect(res.status).toBe(200);
        expect(res.body.limit).toBe(1000);
      }
    });

    it.each([
      'limit=-1',
      'limit=0',
      'limit=1.5',
      'limit=abc',
      'limit=',
      'limit=1e3',
      'limit=%201',
      'limit=1&limit=2',
      'page=-1',
      'page=0',
      'page=2.5',
      'page=two',
      'page=',
      'page=1&page=2',
      'page=1000000001',
      'sort=name',
      'cursor=',
      'page=2&cursor=x',
    ])('refuses ?%s with 400', async (query) => {
      expectProblem(await t.api.get(`/favorites?${query}`, { token: user.token }), 400);
    });

    it('sees every row at least once on a page walk while rows are added at the head', async () => {
      const walker = await signUpAndLogIn(t.api);
      await seed(t, walker.id, 30, 'walk');
      const seen: string[] = [];
      for (let page = 1; ; page++) {
        const res = await t.api.get<Page>(`/favorites?page=${page}&limit=7`, {
          token: walker.token,
        });
        seen.push(...res.body.data.map((a) => a.id));
        await t.api.post('/favorites', {
          token: walker.token,
          body: insightAsset({ id: `new-${page}` }),
        });
        if (res.body.data.length < 7) break;
      }
      // Offset paging shifts under inserts (rows repeat) but never skips an existing row.
      for (let g = 1; g <= 30; g++) expect(seen).toContain(`walk-${String(g).padStart(5, '0')}`);
    });
  });

  describe('GET /favorites?cursor=', () => {
    it('walks every row exactly once, in order, while rows are being added', async () => {
      const user = await signUpAndLogIn(t.api);
      await seed(t, user.id, 53, 'keyset');
      const seen: Page['data'] = [];
      let cursor: string | null = null;
      let requests = 0;
      do {
        const query: string = cursor ? `limit=5&cursor=${encodeURIComponent(cursor)}` : 'limit=5';
        const res = await t.api.get<Page>(`/favorites?${query}`, { token: user.token });
        expect(res.status).toBe(200);
        expect(res.body.total).toBeGreaterThanOrEqual(53);
        if (cursor) expect(res.body.page).toBeNull();
        seen.push(...res.body.data);
        cursor = res.body.nextCursor;
        await t.api.post('/favorites', {
          token: user.token,
          body: insightAsset({ id: `during-${requests}` }),
        });
        requests++;
      } while (cursor);
      const ids = seen.map((a) => a.id);
      const original = ids.filter((id) => id.startsWith('keyset-'));
      expect(original).toHaveLength(53);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expectedOrder(seen));
      expect(requests).toBe(11);
    });

    it('ends with a null nextCursor exactly on the last page', async () => {
      const user = await signUpAndLogIn(t.api);
      await seed(t, user.id, 10, 'exact');
      const first = await t.api.get<Page>('/favorites?limit=5', { token: user.token });
      const second = await t.api.get<Page>(
        `/favorites?limit=5&cursor=${encodeURIComponent(first.body.nextCursor!)}`,
        {
          token: user.token,
        },
      );
      expect(second.body.data).toHaveLength(5);
      expect(second.body.nextCursor).toBeNull();
    });

    it('refuses a tampered cursor and another user’s cursor with 400', async () => {
      const [ada, eve] = await Promise.all([signUpAndLogIn(t.api), signUpAndLogIn(t.api)]);
      await seed(t, ada.id, 4, 'private');
      const cursor = (await t.api.get<Page>('/favorites?limit=2', { token: ada.token })).body
        .nextCursor!;
      const [payload, mac] = cursor.split('.');
      const forgedPayload = Buffer.from(JSON.stringify([Date.now() + 1e9, 'zzz'])).toString(
        'base64url',
      );
      const bad = [
        `${forgedPayload}.${mac}`,
        `${payload}.${mac.slice(0, -2)}AA`,
        `${payload}`,
        'not-a-cursor',
        `${cursor}.${mac}`,
      ];
      for (const c of bad) {
        expectProblem(
          await t.api.get(`/favorites?cursor=${encodeURIComponent(c)}`, { token: ada.token }),
          400,
          'INVALID_CURSOR',
        );
      }
      const foreign = await t.api.get(`/favorites?cursor=${encodeURIComponent(cursor)}`, {
        token: eve.token,
      });
      expectProblem(foreign, 400, 'INVALID_CURSOR');
    });

    it('refuses page and cursor together', async () => {
      const user = await signUpAndLogIn(t.api);
      await seed(t, user.id, 3, 'both');
      const cursor = (await t.api.get<Page>('/favorites?limit=1', { token: user.token })).body
        .nextCursor!;
      expectProblem(
        await t.api.get(`/favorites?page=1&cursor=${encodeURIComponent(cursor)}`, {
          token: user.token,
        }),
        400,
        'CURSOR_WITH_PAGE',
      );
    });
  });

  it('answers an empty list for a user with no favourites', async () => {
    const user = await signUpAndLogIn(t.api);
    await expect(t.api.get('/favorites', { token: user.token })).resolves.toMatchObject({
      status: 200,
      body: { data: [], total: 0, page: 1, limit: 10, nextCursor: null },
    });
  });

  it('reads the keyset index for a deep cursor page (no sort, no sequential scan)', async () => {
    const user = await signUpAndLogIn(t.api);
    await seed(t, user.id, 2000, 'plan');
    await t.db.query('ANALYZE favorites');
    const plan: Array<{ 'QUERY PLAN': string }> = await t.db.query(
      `EXPLAIN SELECT id FROM favorites WHERE user_id = $1 AND (created_at, id) < ($2::timestamptz, $3::text)
        ORDER BY created_at DESC, id DESC LIMIT 21`,
      [user.id, '2026-01-01T00:05:00.000Z', 'plan-00900'],
    );
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toMatch(/Index (Only )?Scan using favorites_user_keyset_idx/);
    expect(text).not.toMatch(/Sort|Seq Scan/);
  });
});
