export * from './cache.module';
export * from './cache-breaker';
export * from './cache-health';
export * from './key-slot';
export * from './redis.token';
export * from './redis-client';
export * from './redis-subscriber';
