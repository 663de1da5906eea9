import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerOptions } from '@nestjs/throttler';

import { RateLimitConfig } from '@app/config';

import { Public } from '../auth/public.decorator';
import { RateLimited } from '../rate-limit/rate-limited.decorator';
import { normalisedEmail, throttlers } from './throttlers';

class Routes {
  @Public() @RateLimited('login') login() {}
  @Public() @RateLimited('signup') signup() {}
  @Public() @RateLimited('refresh') refresh() {}
  @Public() health() {}
  list() {}
}

const config: RateLimitConfig = {
  loginAccount: { limit: 10, windowSeconds: 900 },
  loginAddress: { limit: 30, windowSeconds: 60 },
  signupAddress: { limit: 10, windowSeconds: 3600 },
  user: { limit: 1200, windowSeconds: 60 },
  userSyncMs: 100,
  keyPrefix: 'rl:',
};

function contextFor(handler: keyof Routes, request: Record<string, unknown>): ExecutionContext {
  return {
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

describe(throttlers.name, () => {
  const sut = throttlers(config, new Reflector());
  const byName = (name: string) => sut.find((t) => t.name === name)!;
  const applies = (throttler: ThrottlerOptions, context: ExecutionContext) =>
    !throttler.skipIf!(context);
  const ip = '203.0.113.7';

  it('puts login under its account and address limits, and nothing else', () => {
    const login = contextFor('login', { ip, body: { email: 'ada@example.com' } });

    expect(sut.filter((t) => applies(t, login)).map((t) => t.name)).toEqual([
      'login-account',
      'login-address',
    ]);
  });

  it('tracks a login without a string email by nothing but its address', () => {
    const login = contextFor('login', { ip, body: { email: 42 } });

    expect(byName('login-account').getTracker!(login.switchToHttp().getRequest(), login)).toBe('');
    expect(byName('login-address').getTracker!(login.switchToHttp().getRequest(), login)).toBe(ip);
  });

  it('puts sign-up under its address limit only', () => {
    const signup = contextFor('signup', { ip, body: {} });

    expect(sut.filter((t) => applies(t, signup)).map((t) => t.name)).toEqual(['signup-address']);
  });

  it('puts refresh under its own address limit only, with the login quota', () => {
    const refresh = contextFor('refresh', { ip, body: {} });

    expect(sut.filter((t) => applies(t, refresh)).map((t) => t.name)).toEqual(['refresh-address']);
    expect(byName('refresh-address').limit).toBe(config.loginAddress.limit);
    expect(
      byName('refresh-address').getTracker!(refresh.switchToHttp().getRequest(), refresh),
    ).toBe(ip);
  });

  it('puts every authenticated route, and no public one, under the per-user limit', () => {
    expect(sut.filter((t) => applies(t, contextFor('list', {}))).map((t) => t.name)).toEqual([
      'user',
    ]);
    expect(sut.filter((t) => applies(t, contextFor('health', {})))).toEqual([]);
  });

  it('takes the window and block time from the config, in milliseconds', () => {
    expect(byName('login-account')).toMatchObject({
      limit: 10,
      ttl: 900_000,
      blockDuration: 900_000,
    });
    expect(byName('user')).toMatchObject({ limit: 1200, ttl: 60_000 });
  });

  it('tracks login accounts by normalised email, so case variants share one count', async () => {
    const account = byName('login-account');
    const keyOf = async (email: string) => {
      const context = contextFor('login', { ip, body: { email } });
      const tracker = await account.getTracker!(context.switchToHttp().getRequest(), context);
      return account.generateKey!(context, tracker, 'login-account');
    };

    const key = await keyOf('Ada@Example.com ');

    expect(key).toBe(await keyOf('ada@example.com'));
    expect(key).not.toBe(await keyOf('bob@example.com'));
    expect(key).toMatch(/^login-account:[\w-]{22}$/);
  });

  it('tracks addresses by request.ip, an IPv6 client by its /64', async () => {
    const address = byName('login-address');
    const trackerOf = async (requestIp: string) =>
      address.getTracker!({ ip: requestIp }, contextFor('login', {}));

    await expect(trackerOf(ip)).resolves.toBe(ip);
    await expect(trackerOf('2001:db8:1:2:aaaa::1')).resolves.toBe('2001:db8:1:2::/64');
    await expect(trackerOf('2001:db8:1:2:bbbb::9')).resolves.toBe('2001:db8:1:2::/64');
  });

  it('tracks users by id, and refuses to run before the JWT guard has set one', () => {
    const user = byName('user');

    expect(user.getTracker!({ user: { id: 'u-1' } }, contextFor('list', {}))).toBe('u-1');
    expect(() => user.getTracker!({}, contextFor('list', {}))).toThrow('before JwtAuthGuard');
  });
});

describe(normalisedEmail.name, () => {
  it('trims and lower-cases, as accounts are matched', () => {
    expect(normalisedEmail('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
  });
});
