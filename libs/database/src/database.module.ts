import { DynamicModule, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';

import { AllConfig } from '@app/config';
import { ErrorTranslator } from '@app/http';

import { MigrationList, postgresOptions, runMigrations } from './data-source';
import { DatabaseBreaker } from './database-breaker';
import { DatabaseErrorTranslator } from './database-error-translator';
import { EmbeddedPostgres } from './embedded-postgres';
import { GuardedPool } from './guarded-pool';
import { poolOf } from './pooled-query';

/** Resolved once pending migrations have run (when DATABASE_RUN_MIGRATIONS is on). */
export const MIGRATIONS_ON_BOOT = Symbol('MIGRATIONS_ON_BOOT');

/** A DataSource that also stops the embedded server it runs on, after its pool has closed. */
class EmbeddedDataSource extends DataSource {
  constructor(
    options: DataSourceOptions,
    private readonly embedded: EmbeddedPostgres,
  ) {
    super(options);
  }

  override async destroy(): Promise<void> {
    await super.destroy();
    await this.embedded.stop();
  }
}

export interface DatabaseModuleOptions {
  migrations: MigrationList;
}

/** The breaker of the pool this DataSource was given (one per application instance). */
function breakerOf(dataSource: DataSource): DatabaseBreaker {
  const pool = poolOf(dataSource);
  if (!(pool instanceof GuardedPool)) throw new Error('the DataSource has no guarded pool');
  return pool.guard.breaker;
}

@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  private static readonly logger = new Logger('Database');

  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    let embedded: EmbeddedPostgres | undefined;
    return {
      module: DatabaseModule,
      // Like TypeORM's DataSource, its breaker is the application's: health and metrics read it.
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [ConfigService],
          useFactory: async (config: ConfigService<AllConfig, true>) => {
            const db = config.get('database', { infer: true });
            let url = db.url;
            if (url === undefined) {
              embedded = await EmbeddedPostgres.start(db.embeddedDir);
              url = embedded.url;
              DatabaseModule.logger.warn(
                `DATABASE_URL is not set: using the embedded PostgreSQL (PGlite) in ${db.embeddedDir}. ` +
                  'It is for local use only; set DATABASE_URL for anything else.',
              );
            }
            return {
              ...postgresOptions({
                url,
                poolSize: embedded ? 1 : db.poolSize,
                migrations: options.migrations,
                guard: {
                  breaker: new DatabaseBreaker({ resetMs: db.breakerResetMs }),
                  acquireTimeoutMs: db.acquireTimeoutMs,
                  maxWaiting: db.maxWaiting,
                  statementTimeoutMs: db.statementTimeoutMs,
                  idleInTransactionTimeoutMs: db.idleInTransactionTimeoutMs,
                },
              }),
              autoLoadEntities: true,
            };
          },
          dataSourceFactory: async (dsOptions) => {
            const dataSource = embedded
              ? new EmbeddedDataSource(dsOptions!, embedded)
              : new DataSource(dsOptions!);
            await dataSource.initialize();
            return dataSource;
          },
        }),
      ],
      providers: [
        {
          provide: MIGRATIONS_ON_BOOT,
          inject: [ConfigService, DataSource],
          useFactory: async (config: ConfigService<AllConfig, true>, dataSource: DataSource) => {
            if (config.get('database.runMigrations', { infer: true })) {
              await runMigrations(dataSource);
            }
            return true;
          },
        },
        { provide: DatabaseBreaker, inject: [DataSource], useFactory: breakerOf },
        { provide: ErrorTranslator, useClass: DatabaseErrorTranslator },
      ],
      exports: [MIGRATIONS_ON_BOOT, DatabaseBreaker, ErrorTranslator],
    };
  }

  constructor(private readonly breaker: DatabaseBreaker) {}

  onApplicationShutdown(): void {
    this.breaker.shutdown();
  }
}
