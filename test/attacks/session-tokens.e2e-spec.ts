import { randomUUID } from 'node:crypto';

import * as jwt from 'jsonwebtoken';

import { expectProblem, PASSWORD, signUpAndLogIn, TestUser } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import { forge } from '../support/tokens';

const now = () => Math.floor(Date.now() / 1000);
const sidOf = (token: string) => (jwt.decode(token) as jwt.JwtPayload).sid as string;

/**
 * A token signed with the service's own key and claims: what an attacker holding the key could
 * mint, so that each test shows the session check alone refuses it.
 */
function mint(claims: { sub: string; sid: string }): string {
  return forge({
    ...claims,
    iat: now(),
    exp: now() + 600,
    iss: 'favorites-service',
    aud: 'favorites-api',
  });
}

describe('Attacks on session tokens (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    alice = await signUpAndLogIn(t.api);
    bob = await signUpAndLogIn(t.api);
  });
  afterAll(async () => {
    await t?.close();
  });

  const list = (token: string) => t.api.get('/favorites', { token });

  it('the minted tokens are faithful: one with real claims is accepted', async () => {
    const token = mint({ sub: alice.id, sid: sidOf(alice.token) });
    await expect(list(token)).resolves.toMatchObject({ status: 200 });
  });

  it('a refresh token used as a bearer access token: 401', async () => {
    expectProblem(await list(alice.refreshToken), 401, 'UNAUTHENTICATED');
    expectProblem(
      await t.api.post('/auth/logout', { token: alice.refreshToken }),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('an access token used as a refresh token: 401, and the session lives on', async () => {
    const res = await t.api.post('/auth/refresh', { body: { refreshToken: alice.token } });
    expectProblem(res, 401, 'INVALID_REFRESH_TOKEN');
    await expect(list(alice.token)).resolves.toMatchObject({ status: 200 });
  });

  it('an access token after logout, even re-signed with a fresh exp: 401', async () => {
    const victim = await signUpAndLogIn(t.api);
    expect((await t.api.post('/auth/logout', { token: victim.token })).status).toBe(204);

    expectProblem(await list(victim.token), 401, 'UNAUTHENTICATED');
    expectProblem(
      await list(mint({ sub: victim.id, sid: sidOf(victim.token) })),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('a refresh token after logout: 401', async () => {
    const victim = await signUpAndLogIn(t.api);
    await t.api.post('/auth/logout', { token: victim.token });

    expectProblem(
      await t.api.post('/auth/refresh', { body: { refreshToken: victim.refreshToken } }),
      401,
      'INVALID_REFRESH_TOKEN',
    );
  });

  it('a token of a deleted account, in any session, even minted afresh: 401', async () => {
    const victim = await signUpAndLogIn(t.api);
    const second = await t.api.post('/login', {
      body: { email: victim.email, password: PASSWORD },
    });
    expect((await t.api.delete('/me', { token: victim.token })).status).toBe(204);

    for (const token of [
      victim.token,
      second.body.token,
      mint({ sub: victim.id, sid: sidOf(victim.token) }),
      mint({ sub: victim.id, sid: sidOf(second.body.token) }),
    ]) {
      expectProblem(await list(token), 401, 'UNAUTHENTICATED');
      expectProblem(await t.api.delete('/me', { token }), 401, 'UNAUTHENTICATED');
    }
  });

  describe('a forged sid', () => {
    it.each([
      ['a session that never existed', () => ({ sub: alice.id, sid: randomUUID() })],
      [
        "another user's session, with one's own sub",
        () => ({ sub: alice.id, sid: sidOf(bob.token) }),
      ],
      [
        "one's own session, with another user's sub",
        () => ({ sub: bob.id, sid: sidOf(alice.token) }),
      ],
    ])('naming %s: 401', async (_case, claims) => {
      expectProblem(await list(mint(claims())), 401, 'UNAUTHENTICATED');
    });

    it("never acts on the other user's data", async () => {
      await t.api.post('/favorites', {
        token: bob.token,
        body: { type: 'insight', name: 'b', content: 'c' },
      });
      const forged = mint({ sub: bob.id, sid: sidOf(alice.token) });

      expectProblem(await t.api.delete('/me', { token: forged }), 401, 'UNAUTHENTICATED');
      expectProblem(await t.api.post('/auth/logout', { token: forged }), 401, 'UNAUTHENTICATED');

      await expect(list(bob.token)).resolves.toMatchObject({ status: 200, body: { total: 1 } });
      await expect(list(alice.token)).resolves.toMatchObject({ status: 200 });
    });
  });
});
