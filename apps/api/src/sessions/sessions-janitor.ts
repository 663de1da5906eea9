import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import { SessionsRepository } from './sessions.repository';

/** How often expired sessions are looked for. */
const SWEEP_INTERVAL_MS = 10 * 60_000;
/** Sessions deleted per statement (each with its refresh tokens). */
const BATCH = 1000;
/** An expired session is kept this long, for the record, before it goes. */
const GRACE_MS = 24 * 3600_000;

/**
 * Removes sessions whose newest refresh token expired more than a day ago, with their tokens, in
 * bounded batches, so the tables hold only the sessions of the last refresh-token lifetime. An
 * access token of a removed session is refused like one of a revoked session (no such session).
 */
@Injectable()
export class SessionsJanitor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SessionsJanitor.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private closed = false;

  constructor(private readonly sessions: SessionsRepository) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  /** Deletes every session expired past the grace period; resolves when done. */
  sweep(now = Date.now()): Promise<void> {
    this.sweeping ??= this.deleteExpired(new Date(now - GRACE_MS)).finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.sweeping;
  }

  private async deleteExpired(before: Date): Promise<void> {
    try {
      while (!this.closed && (await this.sessions.deleteExpired(before, BATCH)) === BATCH) {
        // Another batch: more may remain.
      }
    } catch (error) {
      this.logger.warn(`expired sessions not removed: ${(error as Error).message}`);
    }
  }
}
