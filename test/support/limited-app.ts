import { randomBytes } from 'node:crypto';

import { ThrottlerStorage } from '@nestjs/throttler';

import { RateLimitStorage } from '../../apps/api/src/rate-limit/rate-limit-storage';
import { RATE_LIMIT_DEFAULTS } from '../setup/rate-limits';
import { ApiResponse } from './api-client';
import { startTestApp, TestApp, TestAppOptions } from './test-app';

/** A Redis key prefix of its own: counters no other run, suite or instance touches. */
export function freshKeyPrefix(): string {
  return `test-rl-${randomBytes(6).toString('hex')}:`;
}

/**
 * The application under the service's default limits (the global setup raises them for the
 * other suites), with counters of its own unless `env` names a RATE_LIMIT_KEY_PREFIX to share.
 */
export function startLimitedApp(options: TestAppOptions = {}): Promise<TestApp> {
  return startTestApp({
    ...options,
    env: { ...RATE_LIMIT_DEFAULTS, RATE_LIMIT_KEY_PREFIX: freshKeyPrefix(), ...options.env },
  });
}

/** Sends this instance's per-user counts to Redis now and reads the totals back. */
export function syncRateLimits(t: TestApp): Promise<void> {
  return t.app.get<RateLimitStorage>(ThrottlerStorage).counters.flush();
}

/** The draft IETF RateLimit fields of a response, as numbers. */
export function rateLimitOf(response: ApiResponse) {
  const field = (name: string) => {
    const value = response.headers.get(name);
    return value === null ? undefined : Number(value);
  };
  return {
    limit: field('ratelimit-limit'),
    remaining: field('ratelimit-remaining'),
    reset: field('ratelimit-reset'),
    retryAfter: field('retry-after'),
  };
}
