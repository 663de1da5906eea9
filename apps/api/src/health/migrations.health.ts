import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';

/**
 * Ready only on the schema this code expects: with DATABASE_RUN_MIGRATIONS=false a replica may
 * start before the migration job has run, and must not take traffic until it has. Once every
 * migration is seen applied the answer is kept: a schema does not go back at run time.
 */
@Injectable()
export class MigrationsHealth {
  private applied = false;

  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly dataSource: DataSource,
  ) {}

  async check(): Promise<HealthIndicatorResult<'migrations'>> {
    const session = this.indicator.check('migrations');
    if (this.applied) return session.up();
    try {
      const pending = await this.pending();
      if (pending.length > 0) return session.down({ pending });
      this.applied = true;
      return session.up();
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }

  private async pending(): Promise<string[]> {
    const table = this.dataSource.options.migrationsTableName ?? 'migrations';
    const rows: Array<{ name: string }> = await this.dataSource.query(
      `SELECT name FROM ${this.dataSource.driver.escape(table)}`,
    );
    const done = new Set(rows.map((row) => row.name));
    return this.dataSource.migrations
      .map((migration) => migration.name!)
      .filter((name) => !done.has(name));
  }
}
