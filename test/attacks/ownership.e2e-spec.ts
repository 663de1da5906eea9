import {
  audienceAsset,
  chartAsset,
  expectProblem,
  insightAsset,
  signUpAndLogIn,
  TestUser,
} from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

interface Operation {
  method: string;
  path: string;
  authenticated: boolean;
}

/** Every operation the service documents, so a route added later is attacked without a test edit. */
async function documentedOperations(t: TestApp): Promise<Operation[]> {
  const doc = (await t.api.get('/docs-json')).body as {
    security?: unknown[];
    paths: Record<string, Record<string, { security?: unknown[] }>>;
  };
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        authenticated: (operation.security ?? doc.security ?? []).length > 0,
      })),
  );
}

/**
 * One user's data is invisible and untouchable to another, on every documented route: a
 * foreign id is answered exactly like a missing one, and nothing another user sends changes or
 * reveals it.
 */
describe('Attacks: ownership (e2e)', () => {
  const MARKER = 'ada-private-7f3c';
  let t: TestApp;
  let ada: TestUser;
  let bob: TestUser;
  let operations: Operation[];
  const adaIds = ['ada-chart', 'ada-insight', 'ada-audience'];

  async function snapshotOfAda() {
    const list = await t.api.get('/favorites?limit=1000', { token: ada.token });
    const items = await Promise.all(
      adaIds.map((id) => t.api.get(`/favorites/${id}`, { token: ada.token })),
    );
    return { list: list.body, items: items.map((item) => [item.status, item.body]) };
  }

  beforeAll(async () => {
    t = await startTestApp();
    [ada, bob] = await Promise.all([signUpAndLogIn(t.api), signUpAndLogIn(t.api)]);
    const bodies = [
      chartAsset({ id: adaIds[0], name: `${MARKER} chart` }),
      insightAsset({ id: adaIds[1], name: `${MARKER} insight` }),
      audienceAsset({ id: adaIds[2], name: `${MARKER} audience` }),
    ];
    for (const body of bodies) {
      expect((await t.api.post('/favorites', { token: ada.token, body })).status).toBe(201);
    }
    // Bob holds favourites too, one of them under an id Ada also uses: ids are per user.
    await t.api.post('/favorites', { token: bob.token, body: insightAsset({ id: adaIds[1] }) });
    operations = await documentedOperations(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('finds the routes to attack in the OpenAPI document', () => {
    const routes = operations.map(({ method, path }) => `${method} ${path}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /favorites',
        'POST /favorites',
        'GET /favorites/{id}',
        'PATCH /favorites/{id}',
        'DELETE /favorites/{id}',
      ]),
    );
  });

  it('answers every route with another user’s id like a missing id, and changes nothing', async () => {
    const before = await snapshotOfAda();
    const withId = operations.filter((op) => op.authenticated && op.path.includes('{id}'));
    expect(withId.length).toBeGreaterThanOrEqual(3);
    const strip = ({ requestId: _r, instance: _i, ...rest }: Record<string, unknown>) => rest;
    for (const { method, path } of withId) {
      for (const id of ['ada-chart', 'ada-audience']) {
        const body = ['POST', 'PUT', 'PATCH'].includes(method)
          ? { description: 'taken over by bob' }
          : undefined;
        const foreign = await t.api.request(method, path.replace('{id}', id), {
          token: bob.token,
          body,
        });
        const missing = await t.api.request(method, path.replace('{id}', 'nobody-has-this'), {
          token: bob.token,
          body,
        });
        expectProblem(foreign, 404);
        expect({ route: `${method} ${path}`, body: strip(foreign.body) }).toEqual({
          route: `${method} ${path}`,
          body: strip(missing.body),
        });
      }
    }
    await expect(snapshotOfAda()).resolves.toEqual(before);
  });

  it('reveals nothing of another user on any readable route, in JSON or NDJSON', async () => {
    const readable = operations.filter(
      (op) => op.authenticated && op.method === 'GET' && !op.path.includes('{id}'),
    );
    expect(readable.map((op) => op.path)).toContain('/favorites');
    for (const { path } of readable) {
      // The NDJSON stream is the whole list and takes no paging parameters.
      for (const [accept, queries] of [
        ['application/json', ['', '?limit=1000', '?page=1&limit=1000']],
        ['application/x-ndjson', ['']],
      ] as const) {
        for (const query of queries) {
          const res = await t.api.get(`${path}${query}`, {
            token: bob.token,
            headers: { accept },
          });
          expect({ path, accept, query, status: res.status }).toEqual({
            path,
            accept,
            query,
            status: 200,
          });
          expect(res.text).not.toContain(MARKER);
        }
      }
    }
    const own = await t.api.get(`/favorites/${adaIds[1]}`, { token: bob.token });
    expect(own.status).toBe(200);
    expect(own.text).not.toContain(MARKER);
  });

  it('keeps a cursor to its owner: another user’s cursor is refused, not followed', async () => {
    const page = await t.api.get('/favorites?limit=1', { token: ada.token });
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const res = await t.api.get(`/favorites?limit=1&cursor=${page.body.nextCursor}`, {
      token: bob.token,
    });
    expectProblem(res, 400);
    expect(res.text).not.toContain(MARKER);
  });
});
