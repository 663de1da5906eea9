import {
  audienceAsset,
  chartAsset,
  expectProblem,
  insightAsset,
  signUpAndLogIn,
  TestUser,
} from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('Favorites (e2e)', () => {
  let t: TestApp;
  let ada: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    [ada, bob] = await Promise.all([signUpAndLogIn(t.api), signUpAndLogIn(t.api)]);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('POST /favorites', () => {
    it.each([
      ['chart', chartAsset({ id: 'chart-1' })],
      ['insight', insightAsset({ id: 'insight-1' })],
      ['audience', audienceAsset({ id: 'audience-1' })],
    ])(
      'stores a %s with its own structure and answers 201 with timestamps',
      async (_type, asset) => {
        const res = await t.api.post('/favorites', { token: ada.token, body: asset });
        expect(res.status).toBe(201);
        expect(res.body).toEqual({
          description: '',
          ...asset,
          createdAt: expect.stringMatching(ISO),
          updatedAt: expect.stringMatching(ISO),
        });
        await expect(
          t.api.get(`/favorites/${asset.id}`, { token: ada.token }),
        ).resolves.toMatchObject({
          status: 200,
          body: res.body,
        });
      },
    );

    it('generates an id when none is given', async () => {
      const res = await t.api.post('/favorites', { token: ada.token, body: insightAsset() });
      expect(res.status).toBe(201);
      expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('normalises an audience country to upper case', async () => {
      const body = audienceAsset({ rules: { country: 'de' } });
      const res = await t.api.post('/favorites', { token: ada.token, body });
      expect(res.status).toBe(201);
      expect(res.body.rules).toEqual({ country: 'DE' });
    });

    it('stores text verbatim, injection strings included', async () => {
      const name = `Robert'); DROP TABLE favorites;-- <script>alert(1)</script> 😀`;
      const res = await t.api.post('/favorites', {
        token: ada.token,
        body: insightAsset({ name, content: '{"$ne": null}' }),
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ name, content: '{"$ne": null}' });
    });

    it('refuses the same asset twice for one user (409) but lets another user favourite it', async () => {
      const asset = insightAsset({ id: 'shared-asset' });
      await expect(
        t.api.post('/favorites', { token: ada.token, body: asset }),
      ).resolves.toMatchObject({ status: 201 });
      expectProblem(
        await t.api.post('/favorites', { token: ada.token, body: asset }),
        409,
        'FAVORITE_EXISTS',
      );
      await expect(
        t.api.post('/favorites', { token: bob.token, body: asset }),
      ).resolves.toMatchObject({ status: 201 });
    });

    it('gives one 201 and 29 409s for 30 parallel identical adds, and counts it once', async () => {
      const user = await signUpAndLogIn(t.api);
      const asset = chartAsset({ id: 'raced' });
      const results = await Promise.all(
        Array.from({ length: 30 }, () =>
          t.api.post('/favorites', { token: user.token, body: asset }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, ...Array(29).fill(409)]);
      const list = await t.api.get('/favorites', { token: user.token });
      expect(list.body.total).toBe(1);
      expect(list.body.data).toHaveLength(1);
    });

    it.each([
      ['an unknown type', { type: 'video', name: 'x' }, 'type'],
      ['no type', { name: 'x', content: 'y' }, 'type'],
      ['a chart without data', chartAsset({ data: undefined }), 'data'],
      ['a chart point with a string y', chartAsset({ data: [{ x: 1, y: '2' }] }), 'data'],
      ['a chart point with an extra key', chartAsset({ data: [{ x: 1, y: 2, z: 3 }] }), 'data'],
      [
        '10,001 chart points',
        chartAsset({ data: Array.from({ length: 10_001 }, (_, i) => ({ x: i, y: i })) }),
        'data',
      ],
      ['an insight without content', insightAsset({ content: undefined }), 'content'],
      ['an insight with 1,001 characters', insightAsset({ content: 'a'.repeat(1001) }), 'content'],
      ['an empty name', insightAsset({ name: '' }), 'name'],
      ['a 201-character name', insightAsset({ name: 'n'.repeat(201) }), 'name'],
      [
        'a 1,001-character description',
        insightAsset({ description: 'd'.repeat(1001) }),
        'description',
      ],
      ['a 129-character id', insightAsset({ id: 'i'.repeat(129) }), 'id'],
      [
        'an id of 200 code points (emoji with variation selectors)',
        insightAsset({ id: '\u2764\uFE0F'.repeat(100) }),
        'id',
      ],
      ['a numeric id', insightAsset({ id: 42 }), 'id'],
      ['an audience without rules', audienceAsset({ rules: undefined }), 'rules'],
      ['an unknown country', audienceAsset({ rules: { country: 'XX' } }), 'rules.country'],
      [
        'an unknown gender',
        audienceAsset({ rules: { country: 'GB', gender: 'robot' } }),
        'rules.gender',
      ],
      [
        'age_min above age_max',
        audienceAsset({ rules: { country: 'GB', age_min: 40, age_max: 30 } }),
        'rules.age_max',
      ],
      ['age 121', audienceAsset({ rules: { country: 'GB', age_max: 121 } }), 'rules.age_max'],
      [
        'a bad age group',
        audienceAsset({ rules: { country: 'GB', age_groups: ['young'] } }),
        'rules.age_groups',
      ],
      [
        '25 hours of social media',
        audienceAsset({ rules: { country: 'GB', social_media_hours_min: 25 } }),
        'rules.social_media_hours_min',
      ],
      [
        'fractional purchases',
        audienceAsset({ rules: { country: 'GB', purchases_last_month_min: 1.5 } }),
        'rules.purchases_last_month_min',
      ],
      ['an unknown rule', audienceAsset({ rules: { country: 'GB', income: 1 } }), 'rules.income'],
      ['a field of another type', insightAsset({ data: [] }), 'data'],
      [
        'a mass-assigned user_id',
        insightAsset({ user_id: '00000000-0000-4000-8000-000000000000' }),
        'user_id',
      ],
      [
        'a mass-assigned createdAt',
        insightAsset({ createdAt: '2000-01-01T00:00:00.000Z' }),
        'createdAt',
      ],
      ['a NUL character', insightAsset({ content: 'a\u0000b' }), 'content'],
      ['an unpaired surrogate', insightAsset({ name: 'a\ud800b' }), 'name'],
    ])('refuses %s with 400 naming the field', async (_case, body, field) => {
      const res = await t.api.post('/favorites', { token: ada.token, body });
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('refuses a body that is not an object', async () => {
      for (const rawBody of ['[]', '"chart"', '42', 'null']) {
        expectProblem(await t.api.post('/favorites', { token: ada.token, rawBody }), 400);
      }
    });
  });

  describe('PATCH /favorites/{id}', () => {
    it('changes only the description and bumps updatedAt', async () => {
      const created = (
        await t.api.post('/favorites', { token: ada.token, body: chartAsset({ id: 'to-edit' }) })
      ).body;
      const res = await t.api.patch('/favorites/to-edit', {
        token: ada.token,
        body: { description: 'edited' },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        ...created,
        description: 'edited',
        updatedAt: expect.stringMatching(ISO),
      });
      expect(Date.parse(res.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));
      await expect(t.api.get('/favorites/to-edit', { token: ada.token })).resolves.toMatchObject({
        body: res.body,
      });
    });

    it('accepts an empty description', async () => {
      await t.api.post('/favorites', {
        token: ada.token,
        body: insightAsset({ id: 'blank-me', description: 'x' }),
      });
      const res = await t.api.patch('/favorites/blank-me', {
        token: ada.token,
        body: { description: '' },
      });
      expect(res.status).toBe(200);
      expect(res.body.description).toBe('');
    });

    it.each([
      ['another field', { description: 'x', name: 'renamed' }, 'name'],
      ['only another field', { type: 'chart' }, 'type'],
      ['no description', {}, 'description'],
      ['a numeric description', { description: 5 }, 'description'],
      ['a 1,001-character description', { description: 'd'.repeat(1001) }, 'description'],
    ])('refuses %s with 400', async (_case, body, field) => {
      await t.api.post('/favorites', {
        token: ada.token,
        body: insightAsset({ id: 'patch-target' }),
      });
      const res = await t.api.patch('/favorites/patch-target', { token: ada.token, body });
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('answers 404 for an unknown id', async () => {
      expectProblem(
        await t.api.patch('/favorites/nope', { token: ada.token, body: { description: 'x' } }),
        404,
        'FAVORITE_NOT_FOUND',
      );
    });
  });

  describe('DELETE /favorites/{id}', () => {
    it('answers 204 with no body, then 404', async () => {
      await t.api.post('/favorites', { token: ada.token, body: insightAsset({ id: 'to-delete' }) });
      const res = await t.api.delete('/favorites/to-delete', { token: ada.token });
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expectProblem(
        await t.api.get('/favorites/to-delete', { token: ada.token }),
        404,
        'FAVORITE_NOT_FOUND',
      );
      expectProblem(
        await t.api.delete('/favorites/to-delete', { token: ada.token }),
        404,
        'FAVORITE_NOT_FOUND',
      );
    });

    it('keeps total in step with adds and deletes', async () => {
      const user = await signUpAndLogIn(t.api);
      for (const id of ['a', 'b', 'c']) {
        await t.api.post('/favorites', { token: user.token, body: insightAsset({ id }) });
      }
      await t.api.delete('/favorites/b', { token: user.token });
      await t.api.delete('/favorites/b', { token: user.token });
      const list = await t.api.get('/favorites', { token: user.token });
      expect(list.body.total).toBe(2);
      expect(list.body.data.map((a: { id: string }) => a.id).sort()).toEqual(['a', 'c']);
    });
  });

  describe('ownership', () => {
    beforeAll(async () => {
      await t.api.post('/favorites', {
        token: ada.token,
        body: insightAsset({ id: 'adas-secret' }),
      });
    });

    it('answers 404 for read, edit and delete of another user’s favourite, like a missing one', async () => {
      const attempts = [
        () => t.api.get('/favorites/adas-secret', { token: bob.token }),
        () =>
          t.api.patch('/favorites/adas-secret', {
            token: bob.token,
            body: { description: 'mine now' },
          }),
        () => t.api.delete('/favorites/adas-secret', { token: bob.token }),
      ];
      const missing = [
        () => t.api.get('/favorites/does-not-exist', { token: bob.token }),
        () =>
          t.api.patch('/favorites/does-not-exist', {
            token: bob.token,
            body: { description: 'x' },
          }),
        () => t.api.delete('/favorites/does-not-exist', { token: bob.token }),
      ];
      for (let i = 0; i < attempts.length; i++) {
        const foreign = await attempts[i]();
        const absent = await missing[i]();
        expectProblem(foreign, 404, 'FAVORITE_NOT_FOUND');
        const strip = ({ requestId: _r, instance: _i, ...rest }: Record<string, unknown>) => rest;
        expect(strip(foreign.body)).toEqual(strip(absent.body));
      }
      const stillThere = await t.api.get('/favorites/adas-secret', { token: ada.token });
      expect(stillThere.status).toBe(200);
      expect(stillThere.body.description).toBe('');
    });

    it('never lists another user’s favourites', async () => {
      const list = await t.api.get('/favorites?limit=1000', { token: bob.token });
      expect(list.body.data.map((a: { id: string }) => a.id)).not.toContain('adas-secret');
    });
  });

  describe('the {id} path segment', () => {
    it('accepts ids with reserved characters, percent-encoded', async () => {
      const id = 'a/b?c#d e';
      await expect(
        t.api.post('/favorites', { token: ada.token, body: insightAsset({ id }) }),
      ).resolves.toMatchObject({ status: 201 });
      await expect(
        t.api.get(`/favorites/${encodeURIComponent(id)}`, { token: ada.token }),
      ).resolves.toMatchObject({
        status: 200,
        body: { id },
      });
    });

    it.each([
      ['a NUL byte', '/favorites/a%00b'],
      ['a lone surrogate', '/favorites/%ED%A0%80'],
      ['invalid percent-encoding', '/favorites/%FF'],
      ['129 characters', `/favorites/${'x'.repeat(129)}`],
    ])('refuses %s with 400 problem+json', async (_case, path) => {
      expectProblem(await t.api.get(path, { token: ada.token }), 400);
    });
  });
});
