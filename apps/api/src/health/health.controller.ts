import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';

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
  @ApiOperation({ summary: 'Readiness: PostgreSQL answers' })
  @ApiOkResponse({ description: 'Ready to serve' })
  @ApiProblemResponses(503)
  ready(): Promise<HealthCheckResult> {
    return this.check();
  }

  private async check(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.db.pingCheck('database', { timeout: 1500 })]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      throw new DependencyDownError(Object.keys(result.error ?? {}));
    }
  }
}
