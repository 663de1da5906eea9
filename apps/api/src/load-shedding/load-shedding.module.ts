import { monitorEventLoopDelay } from 'node:perf_hooks';

import { Module } from '@nestjs/common';

import { LOAD_SHEDDING_METRICS, LoadShedder } from './load-shedder';
import { RecentEventLoopDelay, RESOLUTION_MS } from './recent-event-loop-delay';

/** Refuses new requests with 503 OVERLOADED while the service is overloaded (ADR-0021). */
@Module({
  providers: [
    ...LOAD_SHEDDING_METRICS,
    {
      provide: RecentEventLoopDelay,
      useFactory: () =>
        new RecentEventLoopDelay(monitorEventLoopDelay({ resolution: RESOLUTION_MS })),
    },
    LoadShedder,
  ],
})
export class LoadSheddingModule {}
