import * as jwt from 'jsonwebtoken';

import { VerifiedTokens } from '../apps/api/src/auth/verified-tokens';
import { expectProblem, PASSWORD, signUpAndLogIn, uniqueEmail } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';
import { b64url, forge } from './support/tokens';

describe('Auth (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('POST /signup', () => {
    it('creates an account: 201 {id, email, createdAt}', async () => {
      const email = uniqueEmail();
      const res = await t.api.post('/signup', { body: { email, password: PASSWORD } });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ id: expect.any(String), email, createdAt: expect.any(String) });
      expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);
      expect(res.body).not.toHaveProperty('password');
      expect(res.body).not.toHaveProperty('passwordHash');
    });

    it('treats emails case-insensitively: A@x.com and a@x.com are one account (409)', async () => {
      const local = uniqueEmail('Case');
      await expect(
        t.api.post('/signup', { body: { email: local, password: PASSWORD } }),
      ).resolves.toMatchObject({
        status: 201,
      });
      expectProblem(
        await t.api.post('/signup', { body: { email: local.toLowerCase(), password: PASSWORD } }),
        409,
        'EMAIL_TAKEN',
      );
      expectProblem(
        await t.api.post('/signup', { body: { email: local.toUpperCase(), password: PASSWORD } }),
        409,
        'EMAIL_TAKEN',
      );
    });

    it('lets exactly one of ten parallel signups of one email through', async () => {
      const email = uniqueEmail('race');
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          t.api.post('/signup', { body: { email, password: PASSWORD } }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([201, ...Array(9).fill(409)]);
      const count = await t.db.query(
        'SELECT count(*)::int AS n FROM users WHERE lower(email) = lower($1)',
        [email],
      );
      expect(count[0].n).toBe(1);
    });

    it.each([
      ['an invalid email', { email: 'not-an-email', password: PASSWORD }, 'email'],
      ['a 7-character password', { email: 'x@example.com', password: '1234567' }, 'password'],
      [
        'a 129-character password',
        { email: 'x@example.com', password: 'p'.repeat(129) },
        'password',
      ],
      ['a missing password', { email: 'x@example.com' }, 'password'],
      ['a numeric password', { email: 'x@example.com', password: 12345678 }, 'password'],
      ['an unknown field', { email: 'x@example.com', password: PASSWORD, role: 'admin' }, 'role'],
    ])('refuses %s with 400 and the field named', async (_case, body, field) => {
      const res = await t.api.post('/signup', { body });
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('accepts 8 and 128 character passwords', async () => {
      for (const password of ['12345678', 'é'.repeat(128)]) {
        const res = await t.api.post('/signup', { body: { email: uniqueEmail(), password } });
        expect(res.status).toBe(201);
      }
    });
  });

  describe('POST /login', () => {
    it('answers 200 {token, tokenType: "Bearer", expiresIn, refreshToken, refreshExpiresIn} with a pinned HS256 token', async () => {
      const email = uniqueEmail();
      const signup = await t.api.post('/signup', { body: { email, password: PASSWORD } });
      const res = await t.api.post('/login', {
        body: { email: email.toUpperCase(), password: PASSWORD },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        token: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: 900,
        refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        refreshExpiresIn: 30 * 24 * 3600,
      });
      const decoded = jwt.decode(res.body.token, { complete: true })!;
      expect(decoded.header.alg).toBe('HS256');
      expect(decoded.payload).toEqual({
        sub: signup.body.id,
        sid: expect.stringMatching(/^[0-9a-f-]{36}$/),
        iat: expect.any(Number),
        exp: expect.any(Number),
        iss: 'favorites-service',
        aud: 'favorites-api',
      });
      const claims = decoded.payload as jwt.JwtPayload;
      expect(claims.exp! - claims.iat!).toBe(900);
    });

    it('gives unknown email and wrong password the same 401 body', async () => {
      const user = await signUpAndLogIn(t.api);
      const wrong = await t.api.post('/login', {
        body: { email: user.email, password: 'wrong password' },
      });
      const unknown = await t.api.post('/login', {
        body: { email: uniqueEmail('ghost'), password: PASSWORD },
      });
      expectProblem(wrong, 401, 'INVALID_CREDENTIALS');
      expectProblem(unknown, 401, 'INVALID_CREDENTIALS');
      const { requestId: _a, ...wrongBody } = wrong.body;
      const { requestId: _b, ...unknownBody } = unknown.body;
      expect(wrongBody).toEqual(unknownBody);
    });

    it('does not truncate long passwords: two that share their first 72 bytes differ', async () => {
      const email = uniqueEmail('long');
      const shared = 'x'.repeat(80);
      await t.api.post('/signup', { body: { email, password: `${shared}-one` } });
      expectProblem(
        await t.api.post('/login', { body: { email, password: `${shared}-two` } }),
        401,
      );
      await expect(
        t.api.post('/login', { body: { email, password: `${shared}-one` } }),
      ).resolves.toMatchObject({
        status: 200,
      });
    });

    it('reads the body as JSON whatever the content type, as curl -d sends it', async () => {
      const user = await signUpAndLogIn(t.api);
      const body = JSON.stringify({ email: user.email, password: PASSWORD });
      for (const contentType of ['application/x-www-form-urlencoded', 'text/plain', undefined]) {
        const res = await t.api.post('/login', {
          rawBody: body,
          headers: contentType ? { 'content-type': contentType } : {},
        });
        expect(res.status).toBe(200);
      }
    });
  });

  describe('the access token guard', () => {
    let user: { id: string; token: string };
    const now = () => Math.floor(Date.now() / 1000);
    /** The claims of a real token of the user's session, fresh. */
    const valid = () => ({
      sub: user.id,
      sid: (jwt.decode(user.token) as jwt.JwtPayload).sid as string,
      iat: now(),
      exp: now() + 600,
      iss: 'favorites-service',
      aud: 'favorites-api',
    });

    beforeAll(async () => {
      user = await signUpAndLogIn(t.api);
    });

    it('accepts a token forged with the right key and claims (the forge is faithful)', async () => {
      await expect(t.api.get('/favorites', { token: forge(valid()) })).resolves.toMatchObject({
        status: 200,
      });
    });

    it('remembers a verified token, and refuses it from its exp on like any expired token', async () => {
      const verified = t.app.get(VerifiedTokens);
      const exp = now() + 2;
      const token = forge({ ...valid(), exp });
      const before = verified.size;
      expect((await t.api.get('/favorites', { token })).status).toBe(200);
      expect(verified.size).toBe(before + 1);
      expect((await t.api.get('/favorites', { token })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 10));
      expectProblem(await t.api.get('/favorites', { token }), 401, 'UNAUTHENTICATED');
    });

    it('refuses every alteration of a token it has accepted and remembered', async () => {
      const token = forge(valid());
      expect((await t.api.get('/favorites', { token })).status).toBe(200);
      const [h, p, s] = token.split('.');
      const flip = (text: string, at: number) =>
        text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
      const other = b64url({ ...valid(), sub: '00000000-0000-4000-8000-000000000000' });
      for (const altered of [
        `${h}.${p}.${flip(s, 10)}`,
        `${h}.${other}.${s}`,
        `${h}.${p}.`,
        `${h}.${p}`,
        `${token}x`,
      ]) {
        expectProblem(await t.api.get('/favorites', { token: altered }), 401, 'UNAUTHENTICATED');
      }
      expect((await t.api.get('/favorites', { token })).status).toBe(200);
    });

    it.each([
      ['no token', () => undefined],
      ['a malformed token', () => 'not.a.jwt'],
      ['alg none', () => forge(valid(), { alg: 'none' })],
      ['a correctly signed HS512 token (algorithm pinned)', () => forge(valid(), { alg: 'HS512' })],
      ['a wrong key', () => forge(valid(), { secret: 'another-secret-of-at-least-32-bytes!!' })],
      ['an expired token', () => forge({ ...valid(), exp: now() - 60 })],
      ['no exp claim', () => forge({ ...valid(), exp: undefined })],
      ['a wrong audience', () => forge({ ...valid(), aud: 'someone-else' })],
      ['a wrong issuer', () => forge({ ...valid(), iss: 'someone-else' })],
      ['a non-uuid subject', () => forge({ ...valid(), sub: 'admin' })],
      ['no session id (sid)', () => forge({ ...valid(), sid: undefined })],
      ['a non-uuid session id', () => forge({ ...valid(), sid: 'admin' })],
      [
        'a tampered payload',
        () => {
          const [h, , s] = forge(valid()).split('.');
          return `${h}.${b64url({ ...valid(), sub: '00000000-0000-4000-8000-000000000000' })}.${s}`;
        },
      ],
    ])('refuses %s with 401 problem+json and WWW-Authenticate', async (_case, token) => {
      const res = await t.api.get('/favorites', { token: token() });
      expectProblem(res, 401, 'UNAUTHENTICATED');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });
  });
});
