import { expectProblem, signUpAndLogIn, TestUser } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import { b64url, claimsOf, forge } from '../support/tokens';

/**
 * Every way of presenting a token the service did not issue, or no longer honours, is a 401
 * problem with a Bearer challenge. Each forgery starts from the claims of a token the service
 * really issued, so it breaks exactly one thing whatever claims the service adds later.
 */
describe('Attacks: access tokens (e2e)', () => {
  let t: TestApp;
  let user: TestUser;
  let issued: Record<string, unknown>;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    t = await startTestApp();
    user = await signUpAndLogIn(t.api);
    issued = claimsOf(user.token);
    // The genuine token is accepted and remembered first, so no case below passes by the memo.
    expect((await t.api.get('/favorites', { token: user.token })).status).toBe(200);
  });
  afterAll(async () => {
    await t.close();
  });

  const withClaims = (changes: Record<string, unknown>) => ({ ...issued, ...changes });
  const payload = () => user.token.split('.')[1];

  it('accepts a faithful forgery of an issued token (so the cases below fail for their reason)', async () => {
    const res = await t.api.get('/favorites', { token: forge(withClaims({ iat: now() })) });
    expect(res.status).toBe(200);
  });

  it.each<[string, () => string | undefined]>([
    ['alg none, unsigned', () => forge(withClaims({}), { alg: 'none' })],
    [
      'alg none, keeping the genuine signature',
      () => {
        const [, p, s] = user.token.split('.');
        return `${b64url({ alg: 'none', typ: 'JWT' })}.${p}.${s}`;
      },
    ],
    [
      'alg HS512 with the right key (algorithm pinned)',
      () => forge(withClaims({}), { alg: 'HS512' }),
    ],
    [
      'alg RS256 in the header over an HMAC signature (algorithm confusion)',
      () => {
        const [, p, s] = forge(withClaims({})).split('.');
        return `${b64url({ alg: 'RS256', typ: 'JWT' })}.${p}.${s}`;
      },
    ],
    ['a wrong key', () => forge(withClaims({}), { secret: 'x'.repeat(48) })],
    [
      'tampered claims: another subject under the genuine signature',
      () => {
        const [h, , s] = user.token.split('.');
        return `${h}.${b64url(withClaims({ sub: '00000000-0000-4000-8000-000000000000' }))}.${s}`;
      },
    ],
    [
      'tampered claims: a later exp under the genuine signature',
      () => {
        const [h, , s] = user.token.split('.');
        return `${h}.${b64url(withClaims({ exp: now() + 86_400 * 365 }))}.${s}`;
      },
    ],
    ['an expired token', () => forge(withClaims({ iat: now() - 120, exp: now() - 60 }))],
    ['a token without exp', () => forge(withClaims({ exp: undefined }))],
    ['a token not valid before a future nbf', () => forge(withClaims({ nbf: now() + 3600 }))],
    ['a wrong audience', () => forge(withClaims({ aud: 'another-api' }))],
    ['a wrong issuer', () => forge(withClaims({ iss: 'https://attacker.example' }))],
    ['no audience', () => forge(withClaims({ aud: undefined }))],
    ['no issuer', () => forge(withClaims({ iss: undefined }))],
    ['a subject that is not an account id', () => forge(withClaims({ sub: 'admin' }))],
    ['a numeric subject', () => forge(withClaims({ sub: 1 }))],
    ['a truncated signature', () => user.token.slice(0, -4)],
    ['a token with an extra segment', () => `${user.token}.${payload()}`],
    ['an 8 KB token', () => `${user.token}${'A'.repeat(8_000)}`],
    ['no token at all', () => undefined],
  ])('refuses %s: 401 problem+json with a Bearer challenge', async (_case, token) => {
    const res = await t.api.get('/favorites', { token: token() });
    expectProblem(res, 401, 'UNAUTHENTICATED');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it.each<[string, (token: string) => Record<string, string>]>([
    ['in the query string', () => ({})],
    ['under another scheme', (token) => ({ authorization: `Token ${token}` })],
    ['as a cookie', (token) => ({ cookie: `token=${token}; access_token=${token}` })],
    ['in an X-Access-Token header', (token) => ({ 'x-access-token': token })],
  ])('takes a token only from the Authorization Bearer header, not %s', async (_case, headers) => {
    const res = await t.api.get(`/favorites?access_token=${user.token}&token=${user.token}`, {
      headers: headers(user.token),
    });
    expectProblem(res, 401, 'UNAUTHENTICATED');
  });

  it('cuts off a header section over 16 KB with 431 before any handler', async () => {
    const res = await t.api.get('/favorites', { token: `${user.token}${'A'.repeat(64_000)}` });
    expect(res.status).toBe(431);
  });

  it('refuses the same forgeries on every authenticated route, not only the list', async () => {
    const alg = forge(withClaims({}), { alg: 'none' });
    for (const [method, path] of [
      ['GET', '/favorites/x'],
      ['POST', '/favorites'],
      ['PATCH', '/favorites/x'],
      ['DELETE', '/favorites/x'],
    ] as const) {
      const res = await t.api.request(method, path, {
        token: alg,
        body: method === 'POST' || method === 'PATCH' ? { description: 'x' } : undefined,
      });
      expectProblem(res, 401, 'UNAUTHENTICATED');
    }
  });
});
