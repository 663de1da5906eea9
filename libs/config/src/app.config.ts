import { registerAs } from '@nestjs/config';

import { AppEnv, validateEnvironment } from './environment';

export interface AppConfig {
  env: AppEnv;
  host: string;
  port: number;
  logLevel: string;
}

export const appConfig = registerAs('app', (): AppConfig => {
  const env = validateEnvironment(process.env);
  return {
    env: env.APP_ENV,
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
  };
});
