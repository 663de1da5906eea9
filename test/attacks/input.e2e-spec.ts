import {
  audienceAsset,
  chartAsset,
  expectProblem,
  insightAsset,
  signUpAndLogIn,
  TestUser,
} from '../support/factories';
import { LogCapture } from '../support/log-capture';
import { startTestApp, TestApp } from '../support/test-app';

const INJECTIONS = [
  "'; DROP TABLE favorites; --",
  "' OR '1'='1",
  '$1, $2); DELETE FROM users; --',
  '{"$ne": null}',
  '<script>alert(1)</script>',
  '${process.exit()}',
  '{{constructor.constructor("return process")()}}',
  '\\u0000 (an escaped NUL, as text)',
  '%00%27%22',
  '\u202eevil\u202c ﷽ 𝕏 👩🏽‍💻',
  'line\nbreak\r\ttab',
];

const TWELVE_MB_BODY = Buffer.from(
  JSON.stringify(insightAsset({ content: 'x'.repeat(12 * 1024 * 1024) })),
);

/**
 * Hostile input is stored verbatim when it is merely text, and refused with a 4xx problem,
 * before it reaches PostgreSQL or a log line, when it is something PostgreSQL cannot store, too
 * big or too deep, or a field the client may not set.
 */
describe('Attacks: input (e2e)', () => {
  let t: TestApp;
  let user: TestUser;
  let other: TestUser;
  const logs = new LogCapture();

  beforeAll(async () => {
    t = await startTestApp({ logDestination: logs, env: { LOG_LEVEL: 'debug' } });
    [user, other] = await Promise.all([signUpAndLogIn(t.api), signUpAndLogIn(t.api)]);
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (body: unknown) => t.api.post('/favorites', { token: user.token, body });
  const postRaw = (rawBody: string | Buffer) =>
    t.api.post('/favorites', {
      token: user.token,
      rawBody,
      headers: { 'content-type': 'application/json' },
    });

  describe('text that is only text', () => {
    it.each(INJECTIONS.map((text, i) => [i, text]))(
      'stores injection string %i verbatim in every text field and reads it back',
      async (i, text) => {
        const id = `inj-${i}-${text}`.slice(0, 128);
        const created = await post(
          chartAsset({ id, name: text, description: text, x_axis: text, y_axis: text }),
        );
        expect(created.status).toBe(201);
        const read = await t.api.get(`/favorites/${encodeURIComponent(id)}`, {
          token: user.token,
        });
        expect(read.body).toMatchObject({ id, name: text, description: text, x_axis: text });
        const list = await t.api.get('/favorites?limit=1000', { token: user.token });
        expect(list.body.data.find((a: { id: string }) => a.id === id)).toMatchObject({
          name: text,
        });
      },
    );

    it('still has both accounts and all their rows afterwards', async () => {
      const list = await t.api.get('/favorites?limit=1000', { token: user.token });
      expect(list.body.total).toBe(INJECTIONS.length);
      expect((await t.api.get('/favorites', { token: other.token })).status).toBe(200);
    });
  });

  describe('what PostgreSQL cannot store', () => {
    it.each<[string, unknown]>([
      ['a NUL in the name', insightAsset({ name: 'a\u0000b' })],
      ['a NUL in the content', insightAsset({ content: '\u0000' })],
      ['a NUL in the id', insightAsset({ id: 'x\u0000' })],
      ['a NUL in a chart label', chartAsset({ data: [{ x: 'a\u0000', y: 1 }] })],
      ['a lone high surrogate in the name', insightAsset({ name: 'x\ud800' })],
      ['a lone low surrogate in the description', insightAsset({ description: '\udc00' })],
      ['a lone surrogate in an audience country', audienceAsset({ rules: { country: '\ud83d' } })],
    ])('refuses %s with 400, before PostgreSQL or a log line sees it', async (_case, body) => {
      const res = await post(body);
      expectProblem(res, 400, 'VALIDATION_FAILED');
      const lines = logs.forRequest(res.headers.get('x-request-id'));
      expect(lines.some((line) => /query failed/.test(line.msg))).toBe(false);
      expect(
        logs.raw.some((line) => line.includes('\\u0000') || /\\ud8[0-9a-f]{2}/i.test(line)),
      ).toBe(false);
    });

    it('refuses a NUL or a lone surrogate in the {id} path segment', async () => {
      for (const id of ['%00', 'a%00b', '%ED%A0%80']) {
        const res = await t.api.get(`/favorites/${id}`, { token: user.token });
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
    });
  });

  describe('null where a field is optional', () => {
    it('takes a null id or description as not given: a generated id, an empty description', async () => {
      const res = await post(insightAsset({ id: null, description: null }));
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        description: '',
      });
    });
  });

  describe('size and shape', () => {
    it.each([
      ['a 20,000-deep array', '['.repeat(20_000) + ']'.repeat(20_000)],
      ['a 20,000-deep object', '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000)],
      ['a 33-deep audience rules', JSON.stringify(audienceAsset({ rules: nest(33) }))],
    ])('refuses %s with 400', async (_case, raw) => {
      expectProblem(await postRaw(raw), 400);
      const patch = await t.api.patch('/favorites/x', {
        token: user.token,
        rawBody: raw,
        headers: { 'content-type': 'application/json' },
      });
      expectProblem(patch, 400);
    });

    it('refuses a point that JSON reads as Infinity (1e400)', async () => {
      const raw = JSON.stringify(chartAsset({ data: [{ x: 1, y: 0 }] })).replace(
        '"y":0',
        '"y":1e400',
      );
      expectProblem(await postRaw(raw), 400, 'VALIDATION_FAILED');
    });

    it('refuses a 12 MB body with 413 without reading it, and keeps serving', async () => {
      // Sent as bytes built ahead: building 12 MB of text here would stall this process's event
      // loop, which the service shares in this test, and be shed as overload (503), not read.
      expectProblem(await postRaw(TWELVE_MB_BODY), 413, 'PAYLOAD_TOO_LARGE');
      expect((await t.api.get('/favorites', { token: user.token })).status).toBe(200);
    });

    it.each<[string, unknown]>([
      ['a 201-character name', insightAsset({ name: 'n'.repeat(201) })],
      ['a 1,001-character description', insightAsset({ description: 'd'.repeat(1001) })],
      ['a 129-character id', insightAsset({ id: 'i'.repeat(129) })],
      ['an empty id', insightAsset({ id: '' })],
      ['a 201-character axis title', chartAsset({ x_axis: 'a'.repeat(201) })],
      [
        'a chart of 10,001 points',
        chartAsset({ data: Array.from({ length: 10_001 }, (_, i) => ({ x: i, y: i })) }),
      ],
      ['a 201-character point label', chartAsset({ data: [{ x: 'l'.repeat(201), y: 1 }] })],
      ['a point given as a string', chartAsset({ data: [{ x: 1, y: '1' }] })],
      [
        '21 age groups',
        audienceAsset({ rules: { age_groups: Array.from({ length: 21 }, () => '18-24') } }),
      ],
      ['a negative age', audienceAsset({ rules: { age_min: -1 } })],
      ['an email of 255 characters at signup', undefined],
    ])('refuses %s with 400', async (name, body) => {
      const res =
        body === undefined
          ? await t.api.post('/signup', {
              body: { email: `${'e'.repeat(243)}@example.com`, password: 'long enough pw' },
            })
          : await post(body);
      expect({ name, status: res.status }).toEqual({ name, status: 400 });
      expectProblem(res, 400);
    });
  });

  describe('query strings', () => {
    it.each([
      'limit=-1',
      'limit=0',
      'limit=1.5',
      'limit=1e3',
      'limit=0x10',
      'limit=%201',
      'limit=1e309',
      'limit=NaN',
      'page=-1',
      'page=0',
      'page=99999999999999999999999',
      'page=1&page=2',
      'limit[]=1',
      'limit[$gt]=1',
    ])('refuses ?%s with a 400 problem', async (query) => {
      expectProblem(await t.api.get(`/favorites?${query}`, { token: user.token }), 400);
    });

    it.each(['1001', '1000000000', '99999999999999999999999'])(
      'caps a huge limit of digits (?limit=%s) at 1000 instead of reading everything',
      async (limit) => {
        const res = await t.api.get(`/favorites?limit=${limit}`, { token: user.token });
        expect(res.status).toBe(200);
        expect(res.body.limit).toBe(1000);
      },
    );

    it.each([
      ['not base64', '!!!'],
      ['a forged payload with no valid signature', forgedCursor()],
      ['an empty signature', `${forgedCursor().split('.')[0]}.`],
      ['a 4 KB cursor', 'A'.repeat(4096)],
    ])('refuses a cursor that is %s with 400 INVALID_CURSOR', async (_case, cursor) => {
      const res = await t.api.get(`/favorites?cursor=${encodeURIComponent(cursor)}`, {
        token: user.token,
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it('refuses another user’s genuine cursor', async () => {
      const page = await t.api.get('/favorites?limit=1', { token: user.token });
      const res = await t.api.get(`/favorites?cursor=${page.body.nextCursor}`, {
        token: other.token,
      });
      expectProblem(res, 400, 'INVALID_CURSOR');
    });
  });

  describe('fields a client may not set (mass assignment)', () => {
    it.each<[string, Record<string, unknown>]>([
      ['user_id', { user_id: '00000000-0000-4000-8000-000000000000' }],
      ['userId', { userId: '00000000-0000-4000-8000-000000000000' }],
      ['created_at', { created_at: '2000-01-01T00:00:00Z' }],
      ['createdAt', { createdAt: '2000-01-01T00:00:00Z' }],
      ['updatedAt', { updatedAt: '2000-01-01T00:00:00Z' }],
      ['version', { version: 99 }],
      ['favorites_count', { favorites_count: -5 }],
      ['an unknown field', { isAdmin: true }],
    ])('refuses %s on create with 400 and stores nothing', async (_case, extra) => {
      const id = `mass-${Object.keys(extra)[0]}`;
      expectProblem(await post(insightAsset({ id, ...extra })), 400, 'VALIDATION_FAILED');
      expect((await t.api.get(`/favorites/${id}`, { token: user.token })).status).toBe(404);
    });

    it('refuses any field but description on edit, and leaves the row as it was', async () => {
      await post(insightAsset({ id: 'edit-me', name: 'kept' }));
      const before = (await t.api.get('/favorites/edit-me', { token: user.token })).body;
      for (const extra of [
        { name: 'changed' },
        { type: 'chart' },
        { content: 'changed' },
        { user_id: other.id },
        { createdAt: '2000-01-01T00:00:00Z' },
        { id: 'renamed' },
      ]) {
        const res = await t.api.patch('/favorites/edit-me', {
          token: user.token,
          body: { description: 'changed', ...extra },
        });
        expectProblem(res, 400, 'VALIDATION_FAILED');
      }
      await expect(t.api.get('/favorites/edit-me', { token: user.token })).resolves.toMatchObject({
        status: 200,
        body: before,
      });
    });

    it('refuses role and id fields at signup', async () => {
      for (const extra of [{ role: 'admin' }, { id: other.id }, { favorites_count: 1 }]) {
        const res = await t.api.post('/signup', {
          body: { email: `mass-${Date.now()}@example.com`, password: 'long enough pw', ...extra },
        });
        expectProblem(res, 400, 'VALIDATION_FAILED');
      }
    });
  });
});

function nest(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

function forgedCursor(): string {
  const payload = Buffer.from(
    JSON.stringify({ c: '2000-01-01T00:00:00.000Z', i: 'x', u: 'someone' }),
  ).toString('base64url');
  return `${payload}.${Buffer.alloc(32).toString('base64url')}`;
}
