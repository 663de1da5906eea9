import { createHash } from 'node:crypto';

import * as jwt from 'jsonwebtoken';

import { AccountPurger, PURGE_BATCH } from '../apps/api/src/account/account-purger';
import { FavoritesCache } from '../apps/api/src/favorites/cache/favorites-cache';
import { FavoritesStore } from '../apps/api/src/favorites/cache/favorites-store';
import { SessionsJanitor } from '../apps/api/src/sessions/sessions-janitor';
import { ApiClient } from './support/api-client';
import {
  chartAsset,
  expectProblem,
  insightAsset,
  PASSWORD,
  signUpAndLogIn,
  TestUser,
} from './support/factories';
import { seedInsights } from './support/seed';
import { startTestApp, TestApp } from './support/test-app';

/** Redis for the run, when there is one (always on CI); else the in-process cache stands in. */
const SHARED_REDIS = process.env.REDIS_URL;
const itWithRedis = SHARED_REDIS ? it : it.skip;

const sidOf = (token: string) => (jwt.decode(token) as jwt.JwtPayload).sid as string;
const hashOf = (refreshToken: string) => createHash('sha256').update(refreshToken).digest();

const refresh = (api: ApiClient, refreshToken: string) =>
  api.post('/auth/refresh', { body: { refreshToken } });
const listWith = (api: ApiClient, token: string) => api.get('/favorites', { token });

/** Polls until the access token is refused; how long that took, in ms (rejects past `limitMs`). */
async function refusedWithin(api: ApiClient, token: string, limitMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const res = await listWith(api, token);
    const elapsed = performance.now() - started;
    if (res.status === 401) return elapsed;
    if (elapsed > limitMs) throw new Error(`still ${res.status} after ${Math.round(elapsed)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('Sessions (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const sessionRow = async (sessionId: string) =>
    (
      await t.db.query(`SELECT revoked_at, revoked_reason FROM sessions WHERE id = $1`, [sessionId])
    )[0] as { revoked_at: Date | null; revoked_reason: string | null } | undefined;

  describe('login', () => {
    it('gives an access token naming a new session and an opaque refresh token, stored hashed', async () => {
      const user = await signUpAndLogIn(t.api);
      const sid = sidOf(user.token);

      expect(user.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const session = await sessionRow(sid);
      expect(session).toEqual({ revoked_at: null, revoked_reason: null });
      const tokens = await t.db.query(
        `SELECT hash, used_at FROM refresh_tokens WHERE session_id = $1`,
        [sid],
      );
      // Its SHA-256 only: the token itself is not stored.
      expect(tokens).toEqual([{ hash: hashOf(user.refreshToken), used_at: null }]);
    });

    it('starts a separate session with each login', async () => {
      const user = await signUpAndLogIn(t.api);
      const again = await t.api.post('/login', { body: { email: user.email, password: PASSWORD } });

      expect(sidOf(again.body.token)).not.toBe(sidOf(user.token));
      expect(again.body.refreshToken).not.toBe(user.refreshToken);
    });
  });

  describe('POST /auth/refresh', () => {
    it('rotates: a new pair in the same session, the old refresh token used up', async () => {
      const user = await signUpAndLogIn(t.api);

      const res = await refresh(t.api, user.refreshToken);

      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        token: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: 900,
        refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        refreshExpiresIn: 30 * 24 * 3600,
      });
      expect(res.body.refreshToken).not.toBe(user.refreshToken);
      expect(sidOf(res.body.token)).toBe(sidOf(user.token));
      expect((jwt.decode(res.body.token) as jwt.JwtPayload).sub).toBe(user.id);
      await expect(listWith(t.api, res.body.token)).resolves.toMatchObject({ status: 200 });
      const used = await t.db.query(`SELECT used_at FROM refresh_tokens WHERE hash = $1`, [
        hashOf(user.refreshToken),
      ]);
      expect(used[0].used_at).toBeInstanceOf(Date);

      // The successor rotates in turn.
      const next = await refresh(t.api, res.body.refreshToken);
      expect(next.status).toBe(200);
      expect(sidOf(next.body.token)).toBe(sidOf(user.token));
    });

    it('treats a used refresh token as stolen: 401, and the whole family is revoked', async () => {
      const user = await signUpAndLogIn(t.api);
      const other = await t.api.post('/login', { body: { email: user.email, password: PASSWORD } });
      const first = await refresh(t.api, user.refreshToken);
      const newest = await refresh(t.api, first.body.refreshToken);
      expect(newest.status).toBe(200);
      await expect(listWith(t.api, newest.body.token)).resolves.toMatchObject({ status: 200 });

      expectProblem(await refresh(t.api, user.refreshToken), 401, 'INVALID_REFRESH_TOKEN');

      // The newest access and refresh tokens of that family are refused too, at once.
      expectProblem(await listWith(t.api, newest.body.token), 401, 'UNAUTHENTICATED');
      expectProblem(await listWith(t.api, user.token), 401, 'UNAUTHENTICATED');
      expectProblem(await refresh(t.api, newest.body.refreshToken), 401, 'INVALID_REFRESH_TOKEN');
      await expect(sessionRow(sidOf(user.token))).resolves.toMatchObject({
        revoked_reason: 'reuse',
      });
      // The user's other session is another family: untouched.
      await expect(listWith(t.api, other.body.token)).resolves.toMatchObject({ status: 200 });
      await expect(refresh(t.api, other.body.refreshToken)).resolves.toMatchObject({
        status: 200,
      });
    });

    it('lets exactly one of ten concurrent refreshes with one token win', async () => {
      const user = await signUpAndLogIn(t.api);

      const results = await Promise.all(
        Array.from({ length: 10 }, () => refresh(t.api, user.refreshToken)),
      );

      expect(results.map((r) => r.status).sort()).toEqual([200, ...Array(9).fill(401)]);
      for (const loser of results.filter((r) => r.status === 401)) {
        expectProblem(loser, 401, 'INVALID_REFRESH_TOKEN');
      }
      const issued = await t.db.query(
        `SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = $1`,
        [sidOf(user.token)],
      );
      expect(issued[0].n).toBe(2);
      // The losers presented a used token: reuse, so the family is revoked (strict rotation).
      const winner = results.find((r) => r.status === 200)!;
      expectProblem(await refresh(t.api, winner.body.refreshToken), 401, 'INVALID_REFRESH_TOKEN');
    });

    it('refuses an expired refresh token', async () => {
      const user = await signUpAndLogIn(t.api);
      await t.db.query(
        `UPDATE refresh_tokens SET expires_at = clock_timestamp() - interval '1 second'
          WHERE hash = $1`,
        [hashOf(user.refreshToken)],
      );

      expectProblem(await refresh(t.api, user.refreshToken), 401, 'INVALID_REFRESH_TOKEN');
    });

    it.each([
      ['an unknown token', () => 'A'.repeat(43)],
      ['a truncated token', () => 'A'.repeat(42)],
      ['a token with a dot', () => `${'A'.repeat(21)}.${'A'.repeat(21)}`],
    ])('refuses %s with 401', async (_case, token) => {
      expectProblem(await refresh(t.api, token()), 401, 'INVALID_REFRESH_TOKEN');
    });

    it.each([
      ['no refresh token', {}],
      ['a number', { refreshToken: 42 }],
      ['an unknown field', { refreshToken: 'A'.repeat(43), scope: 'admin' }],
    ])('refuses a body with %s with 400', async (_case, body) => {
      expectProblem(await t.api.post('/auth/refresh', { body }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('POST /auth/logout', () => {
    it('answers 204, and the access and refresh tokens of the session are refused at once', async () => {
      const user = await signUpAndLogIn(t.api);
      const other = await t.api.post('/login', { body: { email: user.email, password: PASSWORD } });
      await expect(listWith(t.api, user.token)).resolves.toMatchObject({ status: 200 });

      const res = await t.api.post('/auth/logout', { token: user.token });

      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expectProblem(await listWith(t.api, user.token), 401, 'UNAUTHENTICATED');
      expectProblem(await refresh(t.api, user.refreshToken), 401, 'INVALID_REFRESH_TOKEN');
      expectProblem(await t.api.post('/auth/logout', { token: user.token }), 401);
      await expect(sessionRow(sidOf(user.token))).resolves.toMatchObject({
        revoked_reason: 'logout',
      });
      // Only this session ended.
      await expect(listWith(t.api, other.body.token)).resolves.toMatchObject({ status: 200 });
    });

    it('needs an access token', async () => {
      const res = await t.api.post('/auth/logout');
      expectProblem(res, 401, 'UNAUTHENTICATED');
    });
  });

  describe('the janitor', () => {
    it('removes sessions expired over a day ago with their tokens, and no other', async () => {
      const expired = await signUpAndLogIn(t.api);
      const live = await signUpAndLogIn(t.api);
      await t.db.query(
        `UPDATE sessions SET expires_at = clock_timestamp() - interval '2 days' WHERE id = $1`,
        [sidOf(expired.token)],
      );

      await t.app.get(SessionsJanitor).sweep();

      await expect(sessionRow(sidOf(expired.token))).resolves.toBeUndefined();
      const tokens = await t.db.query(
        `SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = $1`,
        [sidOf(expired.token)],
      );
      expect(tokens[0].n).toBe(0);
      expectProblem(await listWith(t.api, expired.token), 401, 'UNAUTHENTICATED');
      await expect(sessionRow(sidOf(live.token))).resolves.toBeDefined();
      await expect(listWith(t.api, live.token)).resolves.toMatchObject({ status: 200 });
    });
  });

  describe('DELETE /me', () => {
    const store = () => t.app.get(FavoritesStore);
    const purger = () => t.app.get(AccountPurger);

    async function userWithCachedList(): Promise<TestUser> {
      const user = await signUpAndLogIn(t.api);
      for (const body of [chartAsset({ id: 'c-1' }), insightAsset({ id: 'i-1' })]) {
        expect((await t.api.post('/favorites', { token: user.token, body })).status).toBe(201);
      }
      await t.app.get(FavoritesCache).repair(user.id);
      await expect(store().read(user.id, { offset: 0 }, 10)).resolves.toMatchObject({ total: 2 });
      return user;
    }

    it('deletes the account: favourites and their cache gone, tokens and login refused', async () => {
      const user = await userWithCachedList();
      const other = await userWithCachedList();
      const secondSession = await t.api.post('/login', {
        body: { email: user.email, password: PASSWORD },
      });

      const res = await t.api.delete('/me', { token: user.token });

      expect(res.status).toBe(204);
      // At once: every session's tokens, the cached list, the login.
      expectProblem(await listWith(t.api, user.token), 401, 'UNAUTHENTICATED');
      expectProblem(await listWith(t.api, secondSession.body.token), 401, 'UNAUTHENTICATED');
      expectProblem(await refresh(t.api, user.refreshToken), 401, 'INVALID_REFRESH_TOKEN');
      expectProblem(
        await refresh(t.api, secondSession.body.refreshToken),
        401,
        'INVALID_REFRESH_TOKEN',
      );
      await expect(store().read(user.id, { offset: 0 }, 10)).resolves.toBe('cold');
      expectProblem(
        await t.api.post('/login', { body: { email: user.email, password: PASSWORD } }),
        401,
        'INVALID_CREDENTIALS',
      );

      // Then the rows, in the background.
      await purger().idle();
      const left = await t.db.query(
        `SELECT (SELECT count(*)::int FROM favorites WHERE user_id = $1) AS favorites,
                (SELECT count(*)::int FROM users WHERE id = $1) AS users,
                (SELECT count(*)::int FROM sessions WHERE user_id = $1) AS sessions`,
        [user.id],
      );
      expect(left[0]).toEqual({ favorites: 0, users: 0, sessions: 0 });
      await expect(store().read(user.id, { offset: 0 }, 10)).resolves.toBe('cold');

      // Other users are unaffected: their tokens, rows and cached list.
      const theirs = await listWith(t.api, other.token);
      expect(theirs.status).toBe(200);
      expect(theirs.body.data.map((a: { id: string }) => a.id)).toEqual(['i-1', 'c-1']);
      await expect(store().read(other.id, { offset: 0 }, 10)).resolves.toMatchObject({
        total: 2,
      });
    });

    it('frees the email: it signs up again as a new, empty account', async () => {
      const user = await signUpAndLogIn(t.api);
      await t.api.post('/favorites', { token: user.token, body: chartAsset() });
      expect((await t.api.delete('/me', { token: user.token })).status).toBe(204);

      const again = await signUpAndLogIn(t.api, user.email);

      expect(again.id).not.toBe(user.id);
      const list = await listWith(t.api, again.token);
      expect(list.body).toMatchObject({ total: 0, data: [] });
    });

    it(`removes a long list in batches of ${PURGE_BATCH}, after answering`, async () => {
      const user = await signUpAndLogIn(t.api);
      const count = PURGE_BATCH * 2 + 17;
      await seedInsights(t.db, user.id, count, 'bulk');

      expect((await t.api.delete('/me', { token: user.token })).status).toBe(204);
      await purger().idle();

      const left = await t.db.query(
        `SELECT (SELECT count(*)::int FROM favorites WHERE user_id = $1) AS favorites,
                (SELECT count(*)::int FROM users WHERE id = $1) AS users`,
        [user.id],
      );
      expect(left[0]).toEqual({ favorites: 0, users: 0 });
    });

    it('resumes the removal of an account deleted before a restart', async () => {
      const user = await signUpAndLogIn(t.api);
      await seedInsights(t.db, user.id, 1234, 'left');
      // As if an instance had marked it deleted and stopped before removing anything.
      await t.db.query(`UPDATE users SET deleted_at = clock_timestamp() WHERE id = $1`, [user.id]);

      const restarted = await startTestApp({ truncate: false });
      try {
        await restarted.app.get(AccountPurger).idle();
      } finally {
        await restarted.close();
      }

      const left = await t.db.query(
        `SELECT (SELECT count(*)::int FROM favorites WHERE user_id = $1) AS favorites,
                (SELECT count(*)::int FROM users WHERE id = $1) AS users`,
        [user.id],
      );
      expect(left[0]).toEqual({ favorites: 0, users: 0 });
    });

    it('needs an access token', async () => {
      expectProblem(await t.api.delete('/me'), 401, 'UNAUTHENTICATED');
    });
  });

  describe('across instances on one database', () => {
    itWithRedis(
      'refuses a token logged out on one instance on the other within 1 s (Redis pub/sub)',
      async () => {
        const other = await startTestApp({ truncate: false });
        try {
          const user = await signUpAndLogIn(t.api);
          // The other instance has checked the session and trusts it now (30 s by default).
          await expect(listWith(other.api, user.token)).resolves.toMatchObject({ status: 200 });
          await expect(listWith(other.api, user.token)).resolves.toMatchObject({ status: 200 });

          expect((await t.api.post('/auth/logout', { token: user.token })).status).toBe(204);

          await expect(refusedWithin(other.api, user.token, 1000)).resolves.toBeLessThan(1000);
        } finally {
          await other.close();
        }
      },
    );

    itWithRedis('refuses the tokens of an account deleted through another instance', async () => {
      const other = await startTestApp({ truncate: false });
      try {
        const user = await signUpAndLogIn(t.api);
        await expect(listWith(other.api, user.token)).resolves.toMatchObject({ status: 200 });

        expect((await t.api.delete('/me', { token: user.token })).status).toBe(204);

        await expect(refusedWithin(other.api, user.token, 1000)).resolves.toBeLessThan(1000);
      } finally {
        await other.close();
      }
    });

    it('without Redis, refuses a revoked session once the session cache time has passed', async () => {
      // An instance that hears no revocations: only its cache's time to live bounds it.
      const deaf = await startTestApp({
        env: { REDIS_URL: undefined, CACHE_ENABLED: 'false', AUTH_SESSION_CACHE_SECONDS: '1' },
        truncate: false,
      });
      try {
        const user = await signUpAndLogIn(t.api);
        await expect(listWith(deaf.api, user.token)).resolves.toMatchObject({ status: 200 });

        expect((await t.api.post('/auth/logout', { token: user.token })).status).toBe(204);

        await expect(refusedWithin(deaf.api, user.token, 2500)).resolves.toBeLessThan(2500);
      } finally {
        await deaf.close();
      }
    });
  });
});
