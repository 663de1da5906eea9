import { expectProblem, insightAsset, signUpAndLogIn, TestUser } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

describe('HTTP conventions (e2e)', () => {
  let t: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    user = await signUpAndLogIn(t.api);
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers unknown routes with a 404 problem', async () => {
    expectProblem(await t.api.get('/nope'), 404, 'ROUTE_NOT_FOUND');
    expectProblem(
      await t.api.request('PUT', '/favorites', { token: user.token }),
      404,
      'ROUTE_NOT_FOUND',
    );
  });

  it('echoes a well-formed X-Request-ID and mints one otherwise', async () => {
    const echoed = await t.api.get('/health/live', { headers: { 'x-request-id': 'req-123.abc' } });
    expect(echoed.headers.get('x-request-id')).toBe('req-123.abc');
    const minted = await t.api.get('/health/live');
    expect(minted.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const hostile = await t.api.get('/nope', {
      headers: { 'x-request-id': 'a b<script>'.padEnd(300, 'x') },
    });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(hostile.body.requestId).toBe(hostile.headers.get('x-request-id'));
  });

  it('sends no X-Powered-By', async () => {
    const res = await t.api.get('/health/live');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('refuses malformed JSON with 400 and bodies over 1 MB with 413', async () => {
    expectProblem(
      await t.api.post('/signup', {
        rawBody: '{"email":',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'MALFORMED_JSON',
    );
    expectProblem(
      await t.api.post('/signup', { rawBody: 'email=a&password=b' }),
      400,
      'MALFORMED_JSON',
    );
    const big = JSON.stringify({ type: 'insight', name: 'x', content: 'y'.repeat(1024 * 1024) });
    expectProblem(
      await t.api.post('/favorites', { token: user.token, rawBody: big }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  it.each([
    ['nesting 20,000 deep', '['.repeat(20_000) + ']'.repeat(20_000)],
    ['a __proto__ key', '{"__proto__":{"admin":true},"email":"a@b.co","password":"12345678"}'],
    ['a NUL in a key', '{"a\\u0000":1}'],
    ['a lone surrogate', '{"email":"\\udc00@x.co","password":"12345678"}'],
  ])('refuses %s with 400 before it reaches a handler', async (_case, rawBody) => {
    expectProblem(await t.api.post('/signup', { rawBody }), 400);
  });

  it('answers a batch of hostile requests with 4xx problems only, never 5xx', async () => {
    const auth = { authorization: `Bearer ${user.token}` };
    const cases: Array<[string, string, Record<string, string>, string | undefined]> = [
      ['POST', '/favorites', auth, '{"type":null}'],
      ['POST', '/favorites', auth, '{"type":"chart","name":"x","data":{"x":1}}'],
      ['POST', '/favorites', auth, '{"type":"chart","name":"x","data":[null]}'],
      ['POST', '/favorites', auth, '{"type":"audience","name":"x","rules":[]}'],
      ['POST', '/favorites', auth, '{"type":"audience","name":"x","rules":"GB"}'],
      ['POST', '/favorites', auth, '{"type":"insight","name":["x"],"content":{}}'],
      ['POST', '/favorites', auth, '{"type":"insight","name":"x","content":"y","id":""}'],
      ['POST', '/favorites', auth, 'true'],
      ['POST', '/favorites', auth, '\u0000'],
      [
        'POST',
        '/favorites',
        { ...auth, 'content-type': 'application/json; charset=latin1' },
        '{"a":1}',
      ],
      ['PATCH', '/favorites/x', auth, '[]'],
      ['PATCH', '/favorites/x', auth, 'null'],
      ['DELETE', '/favorites/%', auth, undefined],
      ['GET', '/favorites/%E0%A4%A', auth, undefined],
      ['GET', '/favorites?limit[]=1', auth, undefined],
      ['GET', '/favorites?limit[a]=1', auth, undefined],
      ['GET', '/favorites?cursor=%00', auth, undefined],
      ['GET', `/favorites?cursor=${'a'.repeat(600)}`, auth, undefined],
      ['GET', '/favorites', { authorization: 'Bearer \u00ff' }, undefined],
      ['GET', '/favorites', { authorization: 'Basic dXNlcjpwYXNz' }, undefined],
      ['POST', '/login', {}, '{"email":{"$ne":null},"password":{"$ne":null}}'],
      ['POST', '/login', {}, '{"email":"a@b.co","password":"x".repeat(2)}'],
      ['POST', '/signup', {}, ''],
    ];
    for (const [method, path, headers, rawBody] of cases) {
      const res = await t.api.request(method, path, { headers, rawBody });
      expect({ method, path, status: res.status }).toEqual({
        method,
        path,
        status: expect.any(Number),
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('hides the cause of an unexpected failure: a 500 carries no SQL, stack or driver message', async () => {
    await t.api.post('/favorites', {
      token: user.token,
      body: insightAsset({ id: 'during-outage' }),
    });
    await t.db.query('ALTER TABLE favorites RENAME TO favorites_away');
    try {
      const res = await t.api.get('/favorites/during-outage', { token: user.token });
      expectProblem(res, 500, 'INTERNAL_ERROR');
      expect(res.body.detail).toBe('An unexpected error occurred');
      expect(res.text).not.toMatch(/favorites_away|relation|select|at .*\.ts|QueryFailedError/i);
    } finally {
      await t.db.query('ALTER TABLE favorites_away RENAME TO favorites');
    }
    await expect(
      t.api.get('/favorites/during-outage', { token: user.token }),
    ).resolves.toMatchObject({ status: 200 });
  });
});
