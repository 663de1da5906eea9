import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';

import { DatabaseBreaker } from '@app/database';

/** A readiness ping gets its answer within this, whatever the pool's own timeouts. */
const PING_TIMEOUT_MS = 1500;

/**
 * Readiness: PostgreSQL answers a `SELECT 1` through the same pool, breaker and timeouts as the
 * requests, so it fails fast while the circuit is open, and, after the breaker's reset time, is
 * itself a half-open probe that closes it: the service recovers with no traffic but the probes.
 * The breaker's state is in the details.
 */
@Injectable()
export class DatabaseHealth {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly dataSource: DataSource,
    private readonly breaker: DatabaseBreaker,
  ) {}

  async check(): Promise<HealthIndicatorResult<'database'>> {
    const session = this.indicator.check('database');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)),
        PING_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([this.dataSource.query('SELECT 1'), late]);
      return session.up({ breaker: this.breaker.state });
    } catch (error) {
      return session.down({ breaker: this.breaker.state, message: (error as Error).message });
    } finally {
      clearTimeout(timer);
    }
  }
}
