import { Logger as NestLogger } from '@nestjs/common';
import type { Logger } from 'typeorm';

/** Long statements are cut: the log needs to tell which query, not to reproduce it. */
const QUERY_CHARS = 300;

const statement = (query: string) => query.replace(/\s+/g, ' ').trim().slice(0, QUERY_CHARS);

/**
 * TypeORM's messages through the application's logger (JSON, with the request's ids), never
 * with a query's parameters: they carry emails and asset contents. A failed query is logged at
 * debug only, since whoever ran it handles the error and the request line reports it.
 */
export class TypeOrmLogger implements Logger {
  private readonly logger = new NestLogger('TypeORM');

  logQuery(): void {
    // Not enabled: one line per query would drown everything else.
  }

  logQueryError(error: string | Error, query: string): void {
    const message = typeof error === 'string' ? error : error.message;
    this.logger.debug(`query failed: ${message} (${statement(query)})`);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`slow query, ${time} ms: ${statement(query)}`);
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.log(String(message));
  }
}
