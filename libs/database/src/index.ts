export * from './data-source';
export * from './database.module';
export * from './embedded-postgres';
export * from './pg-errors';
export * from './transaction-scope';
