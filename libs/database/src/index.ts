export * from './data-source';
export * from './database.errors';
export * from './database.module';
export * from './database-breaker';
export * from './database-errors.interceptor';
export * from './embedded-postgres';
export * from './guarded-pool';
export * from './pg-errors';
