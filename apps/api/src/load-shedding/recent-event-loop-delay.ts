import type { IntervalHistogram } from 'node:perf_hooks';

import { OnModuleDestroy, OnModuleInit } from '@nestjs/common';

/** How often the delay is judged: short, so shedding starts and stops within a tenth of a second. */
export const WINDOW_MS = 100;
/** The histogram's sampling timer; delays shorter than this are not seen, nor worth shedding for. */
export const RESOLUTION_MS = 10;

/** The part of perf_hooks' event-loop delay histogram used here (nanoseconds). */
export type DelayHistogram = Pick<IntervalHistogram, 'count' | 'max' | 'reset'>;

/**
 * The event loop's worst delay over the last 100 ms window, for load shedding (ADR-0021). The
 * liveness check's p99 over 5 s windows (EventLoopHealth) is meant to be slow to change; shedding
 * needs to react within one window and to stop as soon as the loop has caught up. Two probes:
 * `monitorEventLoopDelay` at 10 ms resolution sees a stall anywhere in the window, and this
 * window's own timer, late by however long the loop was blocked, sees a long stall on the very
 * first turn after it, before the requests that queued up meanwhile are read.
 */
export class RecentEventLoopDelay implements OnModuleInit, OnModuleDestroy {
  /** The worst delay of the last complete window, in milliseconds; read on every request. */
  delayMs = 0;
  private lastTickMs = performance.now();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly histogram: DelayHistogram & { enable?(): boolean; disable?(): boolean },
  ) {}

  onModuleInit(): void {
    this.histogram.enable?.();
    this.lastTickMs = performance.now();
    this.timer = setInterval(() => this.tick(performance.now()), WINDOW_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.histogram.disable?.();
  }

  /** Closes a window at `nowMs`: its worst delay becomes `delayMs`, and the next one starts. */
  tick(nowMs: number): void {
    const timerLateMs = Math.max(0, nowMs - this.lastTickMs - WINDOW_MS);
    // Before its first sample a histogram reports a huge max: judge only windows with samples.
    const worstSampledMs = this.histogram.count > 0 ? this.histogram.max / 1e6 : 0;
    this.delayMs = Math.max(timerLateMs, worstSampledMs);
    this.lastTickMs = nowMs;
    this.histogram.reset();
  }
}
