import * as fc from 'fast-check';

import { ApiResponse } from '../support/api-client';
import {
  audienceAsset,
  chartAsset,
  insightAsset,
  signUpAndLogIn,
  TestUser,
} from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

/** Runs per property; FUZZ_RUNS raises it for a longer local session. A failure prints its seed. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

/** Any UTF-16 code unit, lone surrogates and NUL included: what a hostile client can send. */
const anyText = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  maxLength: 40,
});
const text = fc.oneof(fc.string({ maxLength: 40 }), anyText, fc.constantFrom('', ' ', '\u0000'));
const scalar = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(1e308, -0, 2 ** 53 + 1, -1),
);
const jsonish = fc.oneof(scalar, fc.jsonValue({ maxDepth: 4 }), fc.array(scalar, { maxLength: 5 }));

/** A genuine asset with some fields replaced, removed or added: near the validator's edges. */
const mutatedAsset = fc
  .tuple(
    fc.constantFrom(chartAsset(), insightAsset(), audienceAsset()),
    fc.dictionary(
      fc.oneof(
        fc.constantFrom(
          'id',
          'type',
          'name',
          'description',
          'x_axis',
          'y_axis',
          'data',
          'content',
          'rules',
        ),
        fc.string({ maxLength: 12 }),
      ),
      fc.option(jsonish, { nil: undefined }),
      { maxKeys: 3 },
    ),
    fc.option(
      fc.dictionary(
        fc.constantFrom('country', 'gender', 'age_min', 'age_max', 'age_groups', 'extra'),
        jsonish,
        { maxKeys: 3 },
      ),
      { nil: undefined },
    ),
  )
  .map(([asset, changes, ruleChanges]) => {
    const body: Record<string, unknown> = { ...asset, ...changes };
    if (ruleChanges && typeof body.rules === 'object' && body.rules !== null) {
      body.rules = { ...body.rules, ...ruleChanges };
    }
    return body;
  });
const assetBody = fc.oneof(mutatedAsset, jsonish);

const queryValue = fc.oneof(
  fc.integer().map(String),
  fc.constantFrom('', '0', '-1', '1e3', '1001', 'NaN', '%00', '1,2', '[]'),
  fc.string({ maxLength: 30 }),
);
const queryString = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom('limit', 'page', 'cursor', 'type', 'limit[]'),
        fc.string({ maxLength: 8 }),
      ),
      queryValue,
    ),
    { maxLength: 4 },
  )
  .map((pairs) =>
    pairs
      .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
      .join('&'),
  );

/**
 * Property-based fuzzing of asset bodies, edits, ids and list queries: whatever arrives, the
 * answer is never a 5xx, every error is problem+json with a code and the request id, and what is
 * accepted reads back as it was stored.
 */
describe('Attacks: fuzzing (e2e)', () => {
  let t: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    user = await signUpAndLogIn(t.api);
    await t.api.post('/favorites', { token: user.token, body: insightAsset({ id: 'target' }) });
  });
  afterAll(async () => {
    await t.close();
  });

  /** Statuses seen per property: a fuzzer that only ever hits one branch proves little. */
  let seen: Set<number>;
  beforeEach(() => {
    seen = new Set();
  });

  function expectWellFormed(res: ApiResponse, allowed: number[]) {
    seen.add(res.status);
    expect(allowed).toContain(res.status);
    if (res.status >= 400) {
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        status: res.status,
        code: expect.stringMatching(/^[A-Z_]+$/),
        requestId: res.headers.get('x-request-id'),
      });
    }
  }

  it('answers any asset body with 201 or a 4xx problem, and stores what it accepts', async () => {
    await fc.assert(
      fc.asyncProperty(assetBody, async (body) => {
        const res = await t.api.post('/favorites', { token: user.token, body });
        expectWellFormed(res, [201, 400, 409]);
        if (res.status === 201) {
          const read = await t.api.get(`/favorites/${encodeURIComponent(res.body.id)}`, {
            token: user.token,
          });
          expect(read.body).toEqual(res.body);
        }
      }),
      // A genuine asset and a scalar first, so that both branches are always taken.
      { numRuns: RUNS, examples: [[insightAsset()], [42]] },
    );
    expect([...seen]).toEqual(expect.arrayContaining([201, 400]));
  });

  it('answers any edit body with 200 or a 4xx problem', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(jsonish, fc.record({ description: fc.oneof(text, jsonish) })),
        async (body) => {
          const res = await t.api.patch('/favorites/target', { token: user.token, body });
          expectWellFormed(res, [200, 400]);
        },
      ),
      // A valid edit and a wrong type first: 150 random bodies once held no valid description.
      {
        numRuns: RUNS,
        examples: [[{ description: 'edited by the fuzzer' }], [{ description: 42 }]],
      },
    );
    expect([...seen]).toEqual(expect.arrayContaining([200, 400]));
  });

  it('answers any {id} with 200, 404 or a 400 problem', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyText, fc.string()), async (id) => {
        // encodeURIComponent throws on a lone surrogate; send its raw UTF-8 bytes instead.
        const path = id.isWellFormed()
          ? encodeURIComponent(id)
          : [...Buffer.from(id, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
        const res = await t.api.get(`/favorites/${path}`, { token: user.token });
        expectWellFormed(res, [200, 400, 404]);
      }),
      { numRuns: RUNS, examples: [['target'], ['\u0000'], ['\ud800']] },
    );
    expect([...seen]).toEqual(expect.arrayContaining([200, 400, 404]));
  });

  it('answers any list query with a page or a 400 problem', async () => {
    await fc.assert(
      fc.asyncProperty(queryString, async (query) => {
        const res = await t.api.get(`/favorites?${query}`, { token: user.token });
        expectWellFormed(res, [200, 400]);
        if (res.status === 200) {
          expect(res.body).toMatchObject({ data: expect.any(Array), total: expect.any(Number) });
          expect(res.body.data.length).toBeLessThanOrEqual(1000);
        }
      }),
      { numRuns: RUNS, examples: [['limit=5'], ['limit=0']] },
    );
    expect([...seen]).toEqual(expect.arrayContaining([200, 400]));
  });
});
