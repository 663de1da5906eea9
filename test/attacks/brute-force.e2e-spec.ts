import { ApiResponse } from '../support/api-client';
import { expectProblem, PASSWORD, uniqueEmail } from '../support/factories';
import { rateLimitOf, startLimitedApp } from '../support/limited-app';
import { TestApp } from '../support/test-app';

// The service's default (RATE_LIMIT_LOGIN_ACCOUNT).
const LOGIN_PER_ACCOUNT = 10;
/** Differ between any two requests by nature; compared apart, to the second. */
const PER_REQUEST = ['x-request-id', 'date'];
const SECONDS_LEFT = ['retry-after', 'ratelimit-reset'];

/** What an attacker sees of a response, less what differs between any two requests. */
function seen(response: ApiResponse) {
  const headers = Object.fromEntries(
    [...response.headers].filter(([name]) => ![...PER_REQUEST, ...SECONDS_LEFT].includes(name)),
  );
  const { requestId, ...body } = response.body as { requestId: string };
  expect(requestId).toBe(response.headers.get('x-request-id'));
  return { status: response.status, headers, body };
}

describe('Attack: password brute force on one account (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startLimitedApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('is throttled, and a known email answers exactly as an unknown one', async () => {
    const known = uniqueEmail('victim');
    expect(
      (await t.api.post('/signup', { body: { email: known, password: PASSWORD } })).status,
    ).toBe(201);
    const unknown = uniqueEmail('nobody');
    const attempt = (email: string, password: string) =>
      t.api.post('/login', { body: { email, password } });

    const rounds: Array<[ApiResponse, ApiResponse]> = [];
    for (let n = 1; n <= LOGIN_PER_ACCOUNT + 3; n++) {
      const guess = `guess number ${n}`;
      rounds.push([await attempt(known, guess), await attempt(unknown, guess)]);
    }
    // Even the right password, once the account is throttled: it reveals nothing.
    rounds.push([await attempt(known, PASSWORD), await attempt(unknown, PASSWORD)]);

    rounds.forEach(([forKnown, forUnknown], index) => {
      const throttled = index >= LOGIN_PER_ACCOUNT;
      if (throttled) expectProblem(forKnown, 429, 'TOO_MANY_REQUESTS');
      else expectProblem(forKnown, 401, 'INVALID_CREDENTIALS');
      expect(seen(forKnown)).toEqual(seen(forUnknown));
      expect(forKnown.headers.get('x-request-id')).not.toBe(forUnknown.headers.get('x-request-id'));
      for (const name of SECONDS_LEFT) {
        const [a, b] = [forKnown, forUnknown].map((r) => r.headers.get(name));
        expect(a === null).toBe(b === null);
        // Two requests a few milliseconds apart may straddle a second.
        if (a !== null) expect(Math.abs(Number(a) - Number(b))).toBeLessThanOrEqual(1);
      }
    });
    expect(rounds.map(([forKnown]) => rateLimitOf(forKnown).remaining)).toEqual([
      9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0,
    ]);
  });
});
