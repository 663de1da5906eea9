import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import { CacheBreaker } from '@app/cache';
import { RateLimitConfig } from '@app/config';

import { Public } from '../auth/public.decorator';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimitStorage } from './rate-limit-storage';
import { RateLimited } from './rate-limited.decorator';
import { throttlers } from './throttlers';
import { TooManyRequestsError } from './too-many-requests.error';

class Routes {
  @Public() @RateLimited('signup') signup() {}
  @Public() @RateLimited('login') login() {}
  @Public() health() {}
  list() {}
}

const config: RateLimitConfig = {
  loginAccount: { limit: 10, windowSeconds: 900 },
  loginAddress: { limit: 30, windowSeconds: 60 },
  signupAddress: { limit: 2, windowSeconds: 3600 },
  user: { limit: 3, windowSeconds: 60 },
  userSyncMs: 1000,
  keyPrefix: 'rl:',
};

function call(handler: keyof Routes, request: Record<string, unknown>) {
  const headers: Record<string, string> = {};
  const reply = {
    header(name: string, value: string) {
      headers[name] = value;
      return reply;
    },
  };
  const context = {
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  } as unknown as ExecutionContext;
  return { context, headers };
}

describe(RateLimitGuard.name, () => {
  let breaker: CacheBreaker;
  let storage: RateLimitStorage;
  let guard: RateLimitGuard;

  beforeEach(() => {
    // No Redis: the exact counts are in process, the per-user ones in the synced counters.
    breaker = new CacheBreaker({ resetMs: 1000 });
    storage = new RateLimitStorage(null, breaker, config);
    guard = new RateLimitGuard({ throttlers: throttlers(config, new Reflector()) }, storage);
  });

  afterEach(() => {
    storage.close();
    breaker.shutdown();
  });

  it('admits an authenticated request at once, not in a promise, with its quota in the headers', () => {
    const { context, headers } = call('list', { user: { id: 'u1' } });

    expect(guard.canActivate(context)).toBe(true);
    expect(headers).toEqual({
      'ratelimit-limit': '3',
      'ratelimit-remaining': '2',
      'ratelimit-reset': expect.stringMatching(/^\d+$/),
    });
  });

  it('refuses the request over the per-user limit at once, with a 429 and Retry-After', () => {
    for (let i = 0; i < 3; i++) {
      expect(guard.canActivate(call('list', { user: { id: 'u1' } }).context)).toBe(true);
    }
    const { context, headers } = call('list', { user: { id: 'u1' } });

    expect(() => guard.canActivate(context)).toThrow(TooManyRequestsError);
    expect(headers['ratelimit-remaining']).toBe('0');
    // Another user has a count of their own.
    expect(guard.canActivate(call('list', { user: { id: 'u2' } }).context)).toBe(true);
  });

  it('counts a limit kept outside memory (per address) in a promise, and refuses over it', async () => {
    const request = { ip: '203.0.113.7' };
    const first = guard.canActivate(call('signup', request).context);

    expect(first).toBeInstanceOf(Promise);
    await expect(first).resolves.toBe(true);
    await expect(guard.canActivate(call('signup', request).context)).resolves.toBe(true);
    await expect(guard.canActivate(call('signup', request).context)).rejects.toBeInstanceOf(
      TooManyRequestsError,
    );
  });

  it('skips a throttler whose tracker is empty (a login body without an email)', async () => {
    const { context, headers } = call('login', { ip: '203.0.113.8', body: {} });

    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(headers['ratelimit-limit']).toBe('30');
  });

  it('lets public routes without a limit through untouched', () => {
    const { context, headers } = call('health', {});

    expect(guard.canActivate(context)).toBe(true);
    expect(headers).toEqual({});
  });
});
