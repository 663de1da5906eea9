import { registerAs } from '@nestjs/config';

import { AppEnv, validateEnvironment } from './environment';

export interface AppConfig {
  env: AppEnv;
  host: string;
  port: number;
  /** Set: /metrics is served on this port only, not on the API port. */
  metricsPort?: number;
  logLevel: string;
  shutdownDrainDelayMs: number;
  shutdownTimeoutMs: number;
  eventLoopDelayLimitMs: number;
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
}

export const appConfig = registerAs('app', (): AppConfig => {
  const env = validateEnvironment(process.env);
  return {
    env: env.APP_ENV,
    host: env.HOST,
    port: env.PORT,
    metricsPort: env.METRICS_PORT,
    logLevel: env.LOG_LEVEL,
    shutdownDrainDelayMs: env.SHUTDOWN_DRAIN_DELAY_MS,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    eventLoopDelayLimitMs: env.HEALTH_EVENT_LOOP_DELAY_MS,
    keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
  };
});
