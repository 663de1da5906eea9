import { registerAs } from '@nestjs/config';

import { validateEnvironment } from './environment';

export interface AuthConfig {
  /** Undefined only where APP_ENV allows a random per-process secret (local, development). */
  jwtSecret?: string;
  jwtIssuer: string;
  jwtAudience: string;
  jwtExpiresInSeconds: number;
  refreshTokenExpiresInSeconds: number;
  /** How long a session found active is trusted without asking PostgreSQL again (0: never). */
  sessionCacheSeconds: number;
  /** How many verified access tokens to remember (0: none). */
  verifiedTokens: number;
  bcryptCost: number;
}

export const authConfig = registerAs('auth', (): AuthConfig => {
  const env = validateEnvironment(process.env);
  return {
    jwtSecret: env.JWT_SECRET,
    jwtIssuer: env.JWT_ISSUER,
    jwtAudience: env.JWT_AUDIENCE,
    jwtExpiresInSeconds: env.JWT_EXPIRES_IN_SECONDS,
    refreshTokenExpiresInSeconds: env.REFRESH_EXPIRES_IN_SECONDS,
    sessionCacheSeconds: env.AUTH_SESSION_CACHE_SECONDS,
    verifiedTokens: env.AUTH_VERIFIED_TOKENS,
    bcryptCost: env.BCRYPT_COST,
  };
});
