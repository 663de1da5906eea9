import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';

import { CacheHealth } from '@app/cache';
import { ApiProblemResponses } from '@app/http';

import { Public } from '../auth/public.decorator';
import { DependencyDownError } from './health.errors';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly cache: CacheHealth,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Detailed health of the service and its dependencies' })
  @ApiOkResponse({ description: 'All dependencies answer' })
  @ApiProblemResponses(503)
  detailed(): Promise<HealthCheckResult> {
    return this.check();
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers; never depends on the database' })
  @ApiOkResponse({ description: 'Alive' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: PostgreSQL answers (the cache is reported, never required)',
  })
  @ApiOkResponse({ description: 'Ready to serve' })
  @ApiProblemResponses(503)
  ready(): Promise<HealthCheckResult> {
    return this.check();
  }

  /** PostgreSQL gates the answer; the cache is reported beside it and never turns it 503. */
  private async check(): Promise<HealthCheckResult> {
    try {
      const [result, cache] = await Promise.all([
        this.health.check([() => this.db.pingCheck('database', { timeout: 1500 })]),
        this.cache.report(),
      ]);
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
