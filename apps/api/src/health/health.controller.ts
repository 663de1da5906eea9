import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorFunction,
  HealthIndicatorService,
} from '@nestjs/terminus';

import { CacheHealth } from '@app/cache';
import { ApiProblemResponses } from '@app/http';

import { Public } from '../auth/public.decorator';
import { DatabaseHealth } from './database.health';
import { DrainState } from './drain-state';
import { EventLoopHealth } from './event-loop.health';
import { DependencyDownError } from './health.errors';
import { MigrationsHealth } from './migrations.health';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly db: DatabaseHealth,
    private readonly migrations: MigrationsHealth,
    private readonly eventLoop: EventLoopHealth,
    private readonly drain: DrainState,
    private readonly cache: CacheHealth,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Detailed health: event loop, PostgreSQL, migrations, draining, and the cache',
  })
  @ApiOkResponse({ description: 'Everything that gates readiness or liveness is up' })
  @ApiProblemResponses(503)
  detailed(): Promise<HealthCheckResult> {
    return this.check([() => this.eventLoop.check(), ...this.readiness()]);
  }

  @Get('live')
  @ApiOperation({
    summary: 'Liveness: the event loop is not blocked; never depends on PostgreSQL or Redis',
  })
  @ApiOkResponse({ description: 'Alive' })
  @ApiProblemResponses(503)
  live(): Promise<HealthCheckResult> {
    return this.check([() => this.eventLoop.check()], { withCache: false });
  }

  @Get('ready')
  @ApiOperation({
    summary:
      'Readiness: PostgreSQL answers, migrations are applied, not shutting down (the cache is reported, never required)',
  })
  @ApiOkResponse({ description: 'Ready to serve' })
  @ApiProblemResponses(503)
  ready(): Promise<HealthCheckResult> {
    return this.check(this.readiness());
  }

  private readiness(): HealthIndicatorFunction[] {
    return [
      () => {
        const session = this.indicator.check('shutdown');
        const since = this.drain.since?.toISOString();
        return since ? session.down({ message: 'draining', since }) : session.up();
      },
      () => this.db.check(),
      () => this.migrations.check(),
    ];
  }

  /** The given checks gate the answer; the cache is reported beside them and never turns it 503. */
  private async check(
    indicators: HealthIndicatorFunction[],
    { withCache = true } = {},
  ): Promise<HealthCheckResult> {
    try {
      const [result, cache] = await Promise.all([
        this.health.check(indicators),
        withCache ? this.cache.report() : undefined,
      ]);
      if (!cache) return result;
      const key = cache.status === 'up' ? 'info' : 'error';
      return {
        ...result,
        [key]: { ...result[key], cache },
        details: { ...result.details, cache },
      };
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      throw new DependencyDownError(Object.keys(result.error ?? {}));
    }
  }
}
