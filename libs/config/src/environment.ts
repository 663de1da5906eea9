import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

import { parseCorsOrigins, parseTrustProxy } from './http-trust';
import { parseRedisClusterNodes } from './redis-connection';

export const APP_ENVS = ['production', 'staging', 'development', 'local', 'test'] as const;
export type AppEnv = (typeof APP_ENVS)[number];

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/**
 * Every variable the service reads, validated once at boot. Names follow the Go service where it
 * had one (PORT, APP_ENV, DATABASE_URL, REDIS_ADDR, JWT_SECRET, OTEL_EXPORTER_OTLP_ENDPOINT).
 * Documented in .env.example.
 */
export class Environment {
  @IsIn(APP_ENVS)
  APP_ENV: AppEnv = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8080;

  @IsString()
  HOST = '0.0.0.0';

  /** Serve GET /metrics on this port (same HOST) instead of the API port, so it need not be public. */
  @Transform(({ value }) => (value === '' ? undefined : toInt({ value })))
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT?: number;

  @IsIn(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL = 'log';

  /** After SIGTERM, how long readiness answers 503 while requests are still served. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(120_000)
  SHUTDOWN_DRAIN_DELAY_MS = 5000;

  /** From SIGTERM, the most a shutdown may take before in-flight work is cut off (exit 1). */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  SHUTDOWN_TIMEOUT_MS = 25_000;

  /** Liveness fails when the event loop's recent delay (p99) passes this. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(60_000)
  HEALTH_EVENT_LOOP_DELAY_MS = 1000;

  /** Idle keep-alive connections are kept this long: above a load balancer's 60 s idle timeout. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 72_000;

  /** A client must send its whole request head within this time, or its connection is closed. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120_000)
  HTTP_HEADERS_TIMEOUT_MS = 10_000;

  /** Requests being served at once past which new ones get 503 OVERLOADED (ADR-0021); 0: off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  LOAD_SHEDDING_MAX_IN_FLIGHT = 64;

  /** Event-loop delay (worst of the last 100 ms) past which new requests are shed; 0: off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60_000)
  LOAD_SHEDDING_LOOP_DELAY_MS = 500;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({
    protocols: ['postgres', 'postgresql'],
    require_protocol: true,
    require_tld: false,
    require_port: false,
  })
  DATABASE_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  @Transform(toBool)
  @IsBoolean()
  DATABASE_RUN_MIGRATIONS = true;

  /** Each NDJSON stream holds a pooled connection for its whole length; keep it below the pool. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  STREAM_MAX_CONCURRENCY = 4;

  @IsString()
  EMBEDDED_DATABASE_DIR = '.data/pglite';

  /**
   * The most a query waits for a pooled connection, opening a new one included; past it the
   * request is answered 503 DATABASE_UNAVAILABLE. Also each new connection's connect timeout.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  DATABASE_ACQUIRE_TIMEOUT_MS = 2000;

  /** Queries waiting for a pooled connection at most; one more is refused at once (503 DATABASE_BUSY). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10_000)
  DATABASE_MAX_WAITING = 100;

  /** PostgreSQL's statement_timeout on every pooled connection (NDJSON streams: lock_timeout). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  DATABASE_QUERY_TIMEOUT_MS = 5000;

  /** PostgreSQL's idle_in_transaction_session_timeout: a session left idle in a transaction is ended. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  DATABASE_IDLE_TX_TIMEOUT_MS = 60_000;

  /** How long the database circuit breaker stays open (fast 503s) before a half-open probe. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  DATABASE_BREAKER_RESET_MS = 2000;

  /** The Go service's form, `host:port`; REDIS_URL wins when both are set. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9.-]+:\d{1,5}$/, { message: 'REDIS_ADDR must be host:port' })
  REDIS_ADDR?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ protocols: ['redis', 'rediss'], require_protocol: true, require_tld: false })
  REDIS_URL?: string;

  /**
   * A Redis Cluster instead of one server: seed nodes, comma-separated, `host:port` or
   * `redis[s]://[user:password@]host:port`. Exclusive with REDIS_URL/REDIS_ADDR; checked in
   * validateEnvironment.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  REDIS_CLUSTER_NODES?: string;

  /** Off: every list is read from PostgreSQL (the coherence tests' reference instance). */
  @Transform(toBool)
  @IsBoolean()
  CACHE_ENABLED = true;

  /** Per Redis command; past it the command fails and the circuit breaker counts it. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(10_000)
  CACHE_COMMAND_TIMEOUT_MS = 200;

  /** How long the breaker stays open before a half-open probe. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  CACHE_BREAKER_RESET_MS = 5000;

  /** Read-repairs rebuilding users' lists at once, across all users. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  CACHE_REPAIR_CONCURRENCY = 2;

  /** Lists longer than this are not cached: their keyset pages are as fast from PostgreSQL. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  CACHE_MAX_LIST_SIZE = 100_000;

  /** Idle lists leave the cache after this long. */
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(30 * 24 * 3600)
  CACHE_TTL_SECONDS = 24 * 3600;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(1)
  JWT_SECRET?: string;

  @IsString()
  @MaxLength(200)
  JWT_ISSUER = 'favorites-service';

  @IsString()
  @MaxLength(200)
  JWT_AUDIENCE = 'favorites-api';

  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(7 * 24 * 3600)
  JWT_EXPIRES_IN_SECONDS = 900;

  /** Refresh tokens expire this long after they are issued; each refresh issues a new one. */
  @Transform(toInt)
  @IsInt()
  @Min(300)
  @Max(365 * 24 * 3600)
  REFRESH_EXPIRES_IN_SECONDS = 30 * 24 * 3600;

  /**
   * How long an instance trusts a session it found active in PostgreSQL. Revocations reach every
   * instance over Redis at once; this bounds how late one that missed the message refuses a token.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(300)
  AUTH_SESSION_CACHE_SECONDS = 30;

  /** Access tokens remembered after verification (ADR-0014); 0 verifies every request. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  AUTH_VERIFIED_TOKENS = 10_000;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(15)
  BCRYPT_COST = 12;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  /** How long an Idempotency-Key is remembered (replayed, or refused for another request). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(30 * 24 * 3600)
  IDEMPOTENCY_KEY_TTL_SECONDS = 24 * 3600;

  /** An attempt holding a key longer than this (it crashed) may be taken over by a retry. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  IDEMPOTENCY_LOCK_TIMEOUT_SECONDS = 60;

  /** How often expired keys are purged, in bounded batches; 0 turns the job off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(24 * 3600)
  IDEMPOTENCY_PURGE_INTERVAL_SECONDS = 60;

  /** Expired keys deleted per statement by the purge. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  IDEMPOTENCY_PURGE_BATCH_SIZE = 1000;

  /**
   * Who may set X-Forwarded-For (request.ip): false (default: the socket's peer), true, a hop
   * count, or comma-separated addresses/CIDRs (Fastify's trustProxy). Checked in
   * validateEnvironment.
   */
  @IsString()
  TRUST_PROXY = 'false';

  /** Origins CORS allows, comma-separated (`https://app.example.com`); empty: CORS off. */
  @IsString()
  CORS_ORIGINS = '';

  /** Login attempts per account (normalised email) per window; then blocked for a window. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_LOGIN_ACCOUNT = 10;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  RATE_LIMIT_LOGIN_ACCOUNT_WINDOW_SECONDS = 900;

  /** Login attempts per client address per window, whatever the accounts. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_LOGIN_ADDRESS = 30;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  RATE_LIMIT_LOGIN_ADDRESS_WINDOW_SECONDS = 60;

  /** Sign-ups per client address per window. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_SIGNUP_ADDRESS = 10;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  RATE_LIMIT_SIGNUP_ADDRESS_WINDOW_SECONDS = 3600;

  /** Requests per user per window on authenticated routes. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  RATE_LIMIT_USER = 1200;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  RATE_LIMIT_USER_WINDOW_SECONDS = 60;

  /**
   * How often each instance adds its per-user counts to Redis and reads the totals back; 0 sends
   * every request's hit to Redis (exact, one round trip per request).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10_000)
  RATE_LIMIT_USER_SYNC_MS = 100;

  /** Prefix of the rate-limit keys in Redis (services or test runs sharing one Redis). */
  @IsString()
  @Matches(/^[\w:.-]{1,64}$/, { message: 'RATE_LIMIT_KEY_PREFIX: 1-64 of [A-Za-z0-9_:.-]' })
  RATE_LIMIT_KEY_PREFIX = 'rl:';
}

export function validateEnvironment(raw: Record<string, unknown>): Environment {
  const env = plainToInstance(Environment, raw, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: false, skipMissingProperties: false });
  const problems = errors.flatMap((e) =>
    Object.values(e.constraints ?? {}).map((m) => `  - ${e.property}: ${m}`),
  );
  const secretBytes = env.JWT_SECRET === undefined ? 0 : Buffer.byteLength(env.JWT_SECRET);
  const secretOptional = env.APP_ENV === 'local' || env.APP_ENV === 'development';
  if (env.JWT_SECRET === undefined && !secretOptional) {
    problems.push(`  - JWT_SECRET: required when APP_ENV is ${env.APP_ENV}`);
  } else if (env.JWT_SECRET !== undefined && secretBytes < 32) {
    problems.push(`  - JWT_SECRET: must be at least 32 bytes, got ${secretBytes}`);
  }
  if (parseTrustProxy(env.TRUST_PROXY) === undefined) {
    problems.push(
      '  - TRUST_PROXY: must be false, true, a hop count (1-10) or addresses/CIDRs, comma-separated',
    );
  }
  if (parseCorsOrigins(env.CORS_ORIGINS) === undefined) {
    problems.push('  - CORS_ORIGINS: must be origins (scheme://host[:port]), comma-separated');
  }
  if (env.REDIS_CLUSTER_NODES !== undefined) {
    const cluster = parseRedisClusterNodes(env.REDIS_CLUSTER_NODES);
    if (typeof cluster === 'string') problems.push(`  - REDIS_CLUSTER_NODES: ${cluster}`);
    if (env.REDIS_URL !== undefined || env.REDIS_ADDR !== undefined) {
      problems.push('  - REDIS_CLUSTER_NODES: set either it or REDIS_URL/REDIS_ADDR, not both');
    }
  }
  if (problems.length > 0) {
    throw new Error(`Invalid configuration:\n${problems.join('\n')}`);
  }
  return env;
}
