import { registerAs } from '@nestjs/config';

import { validateEnvironment } from './environment';
import { parseCorsOrigins, parseTrustProxy, TrustProxy } from './http-trust';

export interface HttpConfig {
  /** Fastify's trustProxy: whose X-Forwarded-For makes request.ip (false: nobody's). */
  trustProxy: TrustProxy;
  /** Origins CORS allows; empty: CORS off. */
  corsOrigins: string[];
}

export const httpConfig = registerAs('http', (): HttpConfig => {
  const env = validateEnvironment(process.env);
  return {
    trustProxy: parseTrustProxy(env.TRUST_PROXY)!,
    corsOrigins: parseCorsOrigins(env.CORS_ORIGINS)!,
  };
});
