import { registerAs } from '@nestjs/config';

import { validateEnvironment } from './environment';

/** When new requests are refused with 503 before any work (ADR-0021). 0 turns a signal off. */
export interface LoadSheddingConfig {
  /** Requests being served at once (probes and scrapes not counted). */
  maxInFlight: number;
  /** The event loop's worst delay over the last short window, in milliseconds. */
  maxEventLoopDelayMs: number;
}

export const loadSheddingConfig = registerAs('loadShedding', (): LoadSheddingConfig => {
  const env = validateEnvironment(process.env);
  return {
    maxInFlight: env.LOAD_SHEDDING_MAX_IN_FLIGHT,
    maxEventLoopDelayMs: env.LOAD_SHEDDING_LOOP_DELAY_MS,
  };
});
