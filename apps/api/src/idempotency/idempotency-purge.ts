import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { AllConfig, IdempotencyConfig } from '@app/config';

import { IdempotencyRepository } from './idempotency.repository';

/** Statements per run at most: a backlog is worked off over several runs, never in one go. */
const MAX_BATCHES_PER_RUN = 10;

/**
 * Deletes expired idempotency keys every `IDEMPOTENCY_PURGE_INTERVAL_SECONDS`, a bounded batch
 * per statement and a bounded number of batches per run, so it never holds many locks or a long
 * transaction. It keeps no state of its own: a restart simply carries on with what has expired.
 * Expired keys are ignored by claims whether or not they have been purged yet.
 */
@Injectable()
export class IdempotencyPurge implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(IdempotencyPurge.name);
  private readonly config: IdempotencyConfig;
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly keys: IdempotencyRepository,
    config: ConfigService<AllConfig, true>,
  ) {
    this.config = config.get('idempotency', { infer: true });
  }

  onApplicationBootstrap(): void {
    if (this.config.purgeIntervalSeconds === 0) return;
    this.timer = setInterval(() => void this.purge(), this.config.purgeIntervalSeconds * 1000);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One run (or the one under way): how many keys it deleted. */
  purge(): Promise<number> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<number> {
    let deleted = 0;
    try {
      for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
        const count = await this.keys.purgeExpired(this.config.purgeBatchSize);
        deleted += count;
        if (count < this.config.purgeBatchSize) break;
      }
    } catch (error) {
      this.logger.warn(`purging expired idempotency keys failed: ${(error as Error).message}`);
    }
    if (deleted > 0) this.logger.debug(`purged ${deleted} expired idempotency keys`);
    return deleted;
  }
}
