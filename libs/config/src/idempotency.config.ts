import { registerAs } from '@nestjs/config';

import { validateEnvironment } from './environment';

export interface IdempotencyConfig {
  keyTtlSeconds: number;
  lockTimeoutSeconds: number;
  /** 0: no periodic purge (expired keys are still ignored). */
  purgeIntervalSeconds: number;
  purgeBatchSize: number;
}

export const idempotencyConfig = registerAs('idempotency', (): IdempotencyConfig => {
  const env = validateEnvironment(process.env);
  return {
    keyTtlSeconds: env.IDEMPOTENCY_KEY_TTL_SECONDS,
    lockTimeoutSeconds: env.IDEMPOTENCY_LOCK_TIMEOUT_SECONDS,
    purgeIntervalSeconds: env.IDEMPOTENCY_PURGE_INTERVAL_SECONDS,
    purgeBatchSize: env.IDEMPOTENCY_PURGE_BATCH_SIZE,
  };
});
