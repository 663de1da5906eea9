import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { collectDefaultMetrics, register } from 'prom-client';

import { DATABASE_POOL_METRICS, DatabasePoolMetrics } from './database-pool.metrics';
import { HTTP_METRICS, HttpMetrics } from './http-metrics';
import { MetricsController } from './metrics.controller';
import { MetricsServer } from './metrics.server';

/**
 * prom-client's gauges named like counters, which `promtool check metrics` rejects; the same
 * numbers stay available by type in nodejs_active_handles, _requests and _resources.
 */
const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** Node's process metrics, once per process however many application instances it holds. */
function collectProcessMetricsOnce(): void {
  if (register.getSingleMetric('process_cpu_user_seconds_total') !== undefined) return;
  collectDefaultMetrics();
  for (const name of MISNAMED_DEFAULTS) register.removeSingleMetric(name);
}

/**
 * Prometheus metrics (ADR-0015): the exposition at `GET /metrics` (or on METRICS_PORT), request
 * metrics by route template, process and database pool gauges. Global so that feature modules
 * can inject their own metrics (the cache's and the streams' are declared beside their code).
 */
@Global()
@Module({
  imports: [
    PrometheusModule.register({
      controller: MetricsController,
      defaultMetrics: { enabled: false },
    }),
  ],
  providers: [
    ...HTTP_METRICS,
    ...DATABASE_POOL_METRICS,
    HttpMetrics,
    DatabasePoolMetrics,
    MetricsServer,
  ],
  exports: [MetricsServer],
})
export class MetricsModule {
  constructor() {
    collectProcessMetricsOnce();
  }
}
