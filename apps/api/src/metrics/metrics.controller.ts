import { Controller, Get, NotFoundException, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { FastifyReply } from 'fastify';

import { AllConfig } from '@app/config';

import { Public } from '../auth/public.decorator';

/**
 * `GET /metrics` in the Prometheus text format, unauthenticated like the probes. With
 * METRICS_PORT set the exposition moves to that port (MetricsServer) and this route answers 404,
 * so the metrics need not be reachable from wherever the API is.
 */
@ApiExcludeController()
@Public()
@Controller()
export class MetricsController extends PrometheusController {
  private readonly onOwnPort: boolean;

  constructor(config: ConfigService<AllConfig, true>) {
    super();
    this.onOwnPort = config.get('app', { infer: true }).metricsPort !== undefined;
  }

  @Get()
  override index(@Res({ passthrough: true }) response: FastifyReply): Promise<string> {
    if (this.onOwnPort) throw new NotFoundException();
    return super.index(response);
  }
}
