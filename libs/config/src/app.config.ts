import { registerAs } from '@nestjs/config';

import { AppEnv, validateEnvironment } from './environment';

export interface AppConfig {
  env: AppEnv;
  host: string;
  port: number;
  /** Set: /metrics is served on this port only, not on the API port. */
  metricsPort?: number;
  logLevel: string;
}

export const appConfig = registerAs('app', (): AppConfig => {
  const env = validateEnvironment(process.env);
  return {
    env: env.APP_ENV,
    host: env.HOST,
    port: env.PORT,
    metricsPort: env.METRICS_PORT,
    logLevel: env.LOG_LEVEL,
  };
});
