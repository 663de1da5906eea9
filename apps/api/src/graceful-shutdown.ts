import { setTimeout as sleep } from 'node:timers/promises';

import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { DrainState } from './health/drain-state';

const IDLE_SWEEP_MS = 100;

export interface GracefulShutdownOptions {
  /** How long readiness answers 503 while requests are still served (load balancers catch up). */
  drainDelayMs: number;
  /** From the signal, the most the whole shutdown may take. */
  timeoutMs: number;
  /** Last step before exiting, e.g. exporting the spans still batched. */
  flush?: () => Promise<void>;
}

/**
 * On SIGTERM or SIGINT (ADR-0016):
 * 1. readiness turns 503 at once, and the service goes on serving for `drainDelayMs`, while the
 *    load balancers take it out of rotation;
 * 2. `app.close()`: the listener closes (idle keep-alive sockets with it), requests and NDJSON
 *    streams in flight run to their end, then the database pool, Redis and the embedded server
 *    close (onApplicationShutdown hooks);
 * 3. `flush` (traces), and exit 0.
 * Past `timeoutMs` whatever is left is cut and the process exits 1, before an orchestrator's
 * SIGKILL would. A second signal exits at once. Nest's own shutdown hooks are not used: they
 * re-raise the signal, which ends the process with 143 instead of 0.
 */
export function installGracefulShutdown(
  app: NestFastifyApplication,
  options: GracefulShutdownOptions,
): void {
  const logger = new Logger('Shutdown');
  let shuttingDown = false;

  async function shutDown(signal: NodeJS.Signals): Promise<void> {
    const started = performance.now();
    const deadline = setTimeout(() => {
      logger.error(`still shutting down after ${options.timeoutMs} ms: cutting connections`);
      app.getHttpServer().closeAllConnections();
      process.exit(1);
    }, options.timeoutMs);
    app.get(DrainState).start();
    logger.log(`${signal}: readiness is 503; serving ${options.drainDelayMs} ms more`);
    await sleep(options.drainDelayMs);
    logger.log('closing: no new connections; requests and streams in flight finish');
    // The listener closes the sockets idle at that moment; a request in flight leaves its socket
    // idle only when it ends, and a keep-alive client would hold that open: close those too.
    const server = app.getHttpServer();
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    try {
      await app.close();
      await options.flush?.();
    } catch (error) {
      logger.error(`shutdown failed: ${(error as Error).message}`);
      process.exit(1);
    }
    clearInterval(sweep);
    clearTimeout(deadline);
    logger.log(`shut down in ${Math.round(performance.now() - started)} ms`);
    process.exit(0);
  }

  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn(`${signal} during shutdown: exiting now`);
      process.exit(1);
    }
    shuttingDown = true;
    void shutDown(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
