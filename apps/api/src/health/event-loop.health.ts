import { IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

import { AllConfig } from '@app/config';

/** Each window's delays are judged on their own, so one slow start-up does not linger. */
const WINDOW_MS = 5000;

/**
 * Event-loop delay, the one thing liveness checks: a loop blocked for seconds cannot serve, and
 * only a restart helps. Measured over the last complete window and the current one (p99), so a
 * single slow tick does not fail it and a stuck loop does within seconds.
 */
@Injectable()
export class EventLoopHealth implements OnModuleInit, OnModuleDestroy {
  private readonly limitMs: number;
  private histogram?: IntervalHistogram;
  private previousP99Ms = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly indicator: HealthIndicatorService,
    config: ConfigService<AllConfig, true>,
  ) {
    this.limitMs = config.get('app', { infer: true }).eventLoopDelayLimitMs;
  }

  onModuleInit(): void {
    this.histogram = monitorEventLoopDelay({ resolution: 20 });
    this.histogram.enable();
    this.timer = setInterval(() => {
      this.previousP99Ms = this.currentP99Ms();
      this.histogram?.reset();
    }, WINDOW_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.histogram?.disable();
  }

  check(): HealthIndicatorResult<'eventLoop'> {
    const delayMs = Math.round(Math.max(this.previousP99Ms, this.currentP99Ms()));
    const session = this.indicator.check('eventLoop');
    const details = { delayMs, limitMs: this.limitMs };
    return delayMs <= this.limitMs ? session.up(details) : session.down(details);
  }

  private currentP99Ms(): number {
    const histogram = this.histogram;
    // Before its first sample a histogram reports NaN.
    if (!histogram || histogram.count === 0) return 0;
    return histogram.percentile(99) / 1e6;
  }
}
