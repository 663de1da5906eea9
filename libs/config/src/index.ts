import type { AppConfig } from './app.config';
import type { AuthConfig } from './auth.config';
import type { CacheConfig } from './cache.config';
import type { DatabaseConfig } from './database.config';
import type { HttpConfig } from './http.config';
import type { IdempotencyConfig } from './idempotency.config';
import type { LoadSheddingConfig } from './load-shedding.config';
import type { RateLimitConfig } from './rate-limit.config';

export * from './app.config';
export * from './auth.config';
export * from './cache.config';
export * from './config.module';
export * from './database.config';
export * from './environment';
export * from './http.config';
export * from './http-trust';
export * from './idempotency.config';
export * from './load-shedding.config';
export * from './rate-limit.config';
export * from './redis-connection';
export * from './signing-keys';

/** The shape behind `ConfigService<AllConfig, true>`, for `get('auth.jwtSecret', { infer: true })`. */
export interface AllConfig {
  app: AppConfig;
  database: DatabaseConfig;
  auth: AuthConfig;
  cache: CacheConfig;
  idempotency: IdempotencyConfig;
  loadShedding: LoadSheddingConfig;
  http: HttpConfig;
  rateLimit: RateLimitConfig;
}
