import { ApiResponse } from './support/api-client';
import { expectProblem, PASSWORD, signUpAndLogIn, uniqueEmail } from './support/factories';
import {
  freshKeyPrefix,
  rateLimitOf,
  startLimitedApp,
  syncRateLimits,
} from './support/limited-app';
import { RedisProcess } from './support/redis-process';
import { TestApp } from './support/test-app';

/** Redis for the run, when there is one (always on CI); else the limits count in process. */
const SHARED_REDIS = process.env.REDIS_URL;
const itWithRedis = SHARED_REDIS ? it : it.skip;

// The service's defaults (libs/config/src/environment.ts).
const LOGIN_PER_ACCOUNT = 10;
const LOGIN_PER_ADDRESS = 30;
const SIGNUP_PER_ADDRESS = 10;

function expectTooManyRequests(response: ApiResponse, limit: number, windowSeconds: number) {
  expectProblem(response, 429, 'TOO_MANY_REQUESTS');
  const fields = rateLimitOf(response);
  expect(fields).toEqual({
    limit,
    remaining: 0,
    reset: expect.any(Number),
    retryAfter: fields.reset,
  });
  expect(fields.retryAfter).toBeGreaterThan(0);
  expect(fields.retryAfter).toBeLessThanOrEqual(windowSeconds);
}

const login = (t: TestApp, email: string, password = 'wrong password', headers = {}) =>
  t.api.post('/login', { body: { email, password }, headers });
const signup = (t: TestApp, headers: Record<string, string> = {}) =>
  t.api.post('/signup', { body: { email: uniqueEmail('rl'), password: PASSWORD }, headers });

describe('Rate limits (e2e)', () => {
  const apps: TestApp[] = [];
  const start = async (...args: Parameters<typeof startLimitedApp>) => {
    const t = await startLimitedApp(...args);
    apps.push(t);
    return t;
  };
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((t) => t.close()));
  });

  describe('login', () => {
    it('refuses an account after its attempts, whatever the password, in any letter case', async () => {
      const t = await start();
      const { email } = await signUpAndLogIn(t.api);
      // signUpAndLogIn logged in once: the first attempt of the window.
      for (let attempt = 2; attempt <= LOGIN_PER_ACCOUNT; attempt++) {
        const res = await login(t, email);
        expectProblem(res, 401, 'INVALID_CREDENTIALS');
        expect(rateLimitOf(res)).toMatchObject({
          limit: LOGIN_PER_ACCOUNT,
          remaining: LOGIN_PER_ACCOUNT - attempt,
        });
      }

      expectTooManyRequests(await login(t, email, PASSWORD), LOGIN_PER_ACCOUNT, 900);
      expectTooManyRequests(await login(t, email.toUpperCase(), PASSWORD), LOGIN_PER_ACCOUNT, 900);
      // Another account from the same address is not affected.
      const other = await signUpAndLogIn(t.api);
      expect((await login(t, other.email, PASSWORD)).status).toBe(200);
    });

    it('refuses an address after its attempts, across accounts', async () => {
      const t = await start();
      for (let attempt = 1; attempt <= LOGIN_PER_ADDRESS; attempt++) {
        const res = await login(t, uniqueEmail('spray'));
        expectProblem(res, 401, 'INVALID_CREDENTIALS');
      }

      expectTooManyRequests(await login(t, uniqueEmail('spray')), LOGIN_PER_ADDRESS, 60);
    });

    it('counts a body without an email by its address, and still answers 400 before the limit', async () => {
      const t = await start();

      const res = await t.api.post('/login', { body: { password: 'x' } });

      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(rateLimitOf(res)).toMatchObject({
        limit: LOGIN_PER_ADDRESS,
        remaining: LOGIN_PER_ADDRESS - 1,
      });
    });
  });

  describe('sign-up', () => {
    it('refuses an address after its sign-ups; logging in stays possible', async () => {
      const t = await start();
      for (let n = 1; n <= SIGNUP_PER_ADDRESS; n++) {
        const res = await signup(t);
        expect(res.status).toBe(201);
        expect(rateLimitOf(res)).toMatchObject({
          limit: SIGNUP_PER_ADDRESS,
          remaining: SIGNUP_PER_ADDRESS - n,
        });
      }

      expectTooManyRequests(await signup(t), SIGNUP_PER_ADDRESS, 3600);
    });
  });

  describe('refresh', () => {
    it('refuses an address after its refreshes, apart from its logins', async () => {
      const t = await start();
      for (let attempt = 1; attempt <= LOGIN_PER_ADDRESS; attempt++) {
        const res = await t.api.post('/auth/refresh', { body: { refreshToken: 'A'.repeat(43) } });
        expectProblem(res, 401, 'INVALID_REFRESH_TOKEN');
        expect(rateLimitOf(res)).toMatchObject({
          limit: LOGIN_PER_ADDRESS,
          remaining: LOGIN_PER_ADDRESS - attempt,
        });
      }

      const refused = await t.api.post('/auth/refresh', { body: { refreshToken: 'A'.repeat(43) } });
      expectTooManyRequests(refused, LOGIN_PER_ADDRESS, 60);
      // Its own count: the address can still log in.
      expect((await signUpAndLogIn(t.api)).token).toEqual(expect.any(String));
    });
  });

  describe('per user', () => {
    const LIMIT = 100;

    it('refuses a user past the limit on every authenticated route, not other users', async () => {
      const t = await start({ env: { RATE_LIMIT_USER: String(LIMIT) } });
      const ada = await signUpAndLogIn(t.api);
      const bob = await signUpAndLogIn(t.api);

      const first = await t.api.get('/favorites', { token: ada.token });
      expect(first.status).toBe(200);
      expect(rateLimitOf(first)).toMatchObject({ limit: LIMIT, remaining: LIMIT - 1 });
      const rest = [];
      for (let batch = 0; batch < 3; batch++) {
        const paths = Array.from({ length: 33 }, (_, i) =>
          i % 2 ? '/favorites?limit=1' : '/favorites/not-there',
        );
        rest.push(...(await Promise.all(paths.map((p) => t.api.get(p, { token: ada.token })))));
      }
      expect(rest.map((r) => r.status).filter((s) => s !== 200 && s !== 404)).toEqual([]);
      expect(Math.min(...rest.map((r) => rateLimitOf(r).remaining!))).toBe(0);

      const refused = await t.api.post('/favorites', {
        token: ada.token,
        body: { type: 'insight', name: 'n', content: 'c' },
      });
      expectTooManyRequests(refused, LIMIT, 60);
      expect((await t.api.get('/favorites', { token: bob.token })).status).toBe(200);
    });

    it('leaves public routes unlimited and without RateLimit fields', async () => {
      const t = await start({ env: { RATE_LIMIT_USER: '1' } });

      const res = await t.api.get('/health/live');

      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBeNull();
    });
  });

  describe('across instances', () => {
    itWithRedis('counts login attempts of one account in the shared Redis', async () => {
      const env = { RATE_LIMIT_KEY_PREFIX: freshKeyPrefix() };
      const a = await start({ env });
      const b = await start({ env, truncate: false });
      const email = uniqueEmail('shared');
      for (let attempt = 1; attempt <= LOGIN_PER_ACCOUNT; attempt++) {
        expect((await login(attempt % 2 ? a : b, email)).status).toBe(401);
      }

      expectTooManyRequests(await login(a, email), LOGIN_PER_ACCOUNT, 900);
      expectTooManyRequests(await login(b, email), LOGIN_PER_ACCOUNT, 900);
    });

    itWithRedis(
      'holds the per-user limit across instances, within what one sync lets through',
      async () => {
        const env = { RATE_LIMIT_KEY_PREFIX: freshKeyPrefix(), RATE_LIMIT_USER: '20' };
        const a = await start({ env });
        const b = await start({ env, truncate: false });
        const { token } = await signUpAndLogIn(a.api);
        const get = (t: TestApp) => t.api.get('/favorites', { token });
        for (let i = 0; i < 12; i++) expect((await get(a)).status).toBe(200);
        await syncRateLimits(a);
        for (let i = 0; i < 8; i++) expect((await get(b)).status).toBe(200);
        // b's sync adds its 8 to a's 12 and reads back 20: the limit, for everyone.
        await syncRateLimits(b);

        expectTooManyRequests(await get(b), 20, 60);
        // a last synced at 12: it admits until its next sync tells it the total (the bound).
        expect((await get(a)).status).toBe(200);
        await syncRateLimits(a);
        expectTooManyRequests(await get(a), 20, 60);
      },
    );
  });

  describe('with Redis down (a private redis-server)', () => {
    let redis: RedisProcess;

    beforeAll(async () => {
      redis = await RedisProcess.start();
    });
    afterAll(async () => {
      await redis.stop();
    });

    it('counts in process instead: limits still hold, no request fails', async () => {
      const t = await start({ env: { REDIS_URL: redis.url, RATE_LIMIT_USER: '5' } });
      const { email, token } = await signUpAndLogIn(t.api);
      await redis.stop();

      // The count starts again in process: the login before the outage is in Redis only.
      for (let attempt = 1; attempt <= LOGIN_PER_ACCOUNT; attempt++) {
        expect((await login(t, email)).status).toBe(401);
      }
      expectTooManyRequests(await login(t, email, PASSWORD), LOGIN_PER_ACCOUNT, 900);
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await t.api.get('/favorites', { token })).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);

      await redis.start();
    });
  });

  describe('client address and TRUST_PROXY', () => {
    const rotating = (n: number) => ({ 'x-forwarded-for': `198.51.100.${n}` });

    it('ignores X-Forwarded-For by default: a rotating header does not reset a limit', async () => {
      const t = await start();
      for (let n = 1; n <= SIGNUP_PER_ADDRESS; n++) {
        expect((await signup(t, rotating(n))).status).toBe(201);
      }

      expectTooManyRequests(await signup(t, rotating(99)), SIGNUP_PER_ADDRESS, 3600);
      expectTooManyRequests(await signup(t), SIGNUP_PER_ADDRESS, 3600);
    });

    it('with TRUST_PROXY set, counts each forwarded client on its own', async () => {
      const t = await start({ env: { TRUST_PROXY: 'loopback' } });
      for (let n = 1; n <= SIGNUP_PER_ADDRESS; n++) {
        expect((await signup(t, rotating(1))).status).toBe(201);
      }

      expectTooManyRequests(await signup(t, rotating(1)), SIGNUP_PER_ADDRESS, 3600);
      expect((await signup(t, rotating(2))).status).toBe(201);
      // The proxy's own address is a client too, and has its own count.
      expect((await signup(t)).status).toBe(201);
    });

    it('with a hop count, takes the client the trusted hops saw', async () => {
      const t = await start({ env: { TRUST_PROXY: '1' } });
      const chain = (client: string) => ({ 'x-forwarded-for': `${client}, 203.0.113.9` });
      for (let n = 1; n <= SIGNUP_PER_ADDRESS; n++) {
        expect((await signup(t, chain(`192.0.2.${n}`))).status).toBe(201);
      }

      // One hop trusted: the address is the last entry, whatever the client wrote before it.
      expectTooManyRequests(await signup(t, chain('192.0.2.200')), SIGNUP_PER_ADDRESS, 3600);
    });
  });
});
