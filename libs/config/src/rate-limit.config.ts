import { registerAs } from '@nestjs/config';

import { validateEnvironment } from './environment';

export interface Quota {
  limit: number;
  windowSeconds: number;
}

export interface RateLimitConfig {
  /** Login attempts per normalised email, whether or not an account has it. */
  loginAccount: Quota;
  loginAddress: Quota;
  signupAddress: Quota;
  /** Every authenticated request, per user. */
  user: Quota;
  /** How often the per-user counts are synced to Redis; 0: every hit goes to Redis. */
  userSyncMs: number;
  keyPrefix: string;
}

export const rateLimitConfig = registerAs('rateLimit', (): RateLimitConfig => {
  const env = validateEnvironment(process.env);
  return {
    loginAccount: {
      limit: env.RATE_LIMIT_LOGIN_ACCOUNT,
      windowSeconds: env.RATE_LIMIT_LOGIN_ACCOUNT_WINDOW_SECONDS,
    },
    loginAddress: {
      limit: env.RATE_LIMIT_LOGIN_ADDRESS,
      windowSeconds: env.RATE_LIMIT_LOGIN_ADDRESS_WINDOW_SECONDS,
    },
    signupAddress: {
      limit: env.RATE_LIMIT_SIGNUP_ADDRESS,
      windowSeconds: env.RATE_LIMIT_SIGNUP_ADDRESS_WINDOW_SECONDS,
    },
    user: { limit: env.RATE_LIMIT_USER, windowSeconds: env.RATE_LIMIT_USER_WINDOW_SECONDS },
    userSyncMs: env.RATE_LIMIT_USER_SYNC_MS,
    keyPrefix: env.RATE_LIMIT_KEY_PREFIX,
  };
});
