import { randomUUID } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { AllConfig, IdempotencyConfig } from '@app/config';
import { TransactionScope } from '@app/database';

import { IdempotencyKeyInUseError, IdempotencyKeyReusedError } from './idempotency.errors';
import { IdempotencyRepository, KeyState, KeyUse, StoredResponse } from './idempotency.repository';

export interface IdempotentOutcome {
  response: StoredResponse;
  /** True when this is the stored answer to an earlier attempt. */
  replayed: boolean;
}

/**
 * Stripe's idempotency semantics (ADR-0020): the first attempt with a key runs and its answer is
 * stored; a retry with the same request gets that answer again, another request with the key a
 * 422, and a retry while the first still runs a 409. The attempt's writes and the stored answer
 * commit in one transaction, so there is never a favourite without its answer, nor the reverse.
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger(IdempotencyService.name);
  private readonly config: IdempotencyConfig;

  constructor(
    private readonly keys: IdempotencyRepository,
    private readonly transactions: TransactionScope,
    config: ConfigService<AllConfig, true>,
  ) {
    this.config = config.get('idempotency', { infer: true });
  }

  /**
   * Runs `attempt` in a transaction unless the key already has an answer. When `attempt`
   * throws, `failureResponse` says what to store (a 4xx the request itself earned, replayed
   * like a success), or nothing: the key is then released, so the request can be retried.
   */
  async execute(
    use: KeyUse,
    attempt: () => Promise<StoredResponse>,
    failureResponse: (error: unknown) => StoredResponse | undefined,
  ): Promise<IdempotentOutcome> {
    const token = randomUUID();
    const state = await this.keys.claim(use, {
      token,
      ttlSeconds: this.config.keyTtlSeconds,
      lockTimeoutSeconds: this.config.lockTimeoutSeconds,
    });
    if (state.state !== 'claimed') return { response: answerOf(use, state), replayed: true };
    try {
      const response = await this.transactions.run(async () => {
        const response = await attempt();
        // Taken over after the lock timeout: the other attempt answers; this one rolls back.
        if (!(await this.keys.complete(use, token, response))) throw new IdempotencyKeyInUseError();
        return response;
      });
      return { response, replayed: false };
    } catch (error) {
      if (!(error instanceof IdempotencyKeyInUseError))
        await this.settleFailure(use, token, error, failureResponse);
      throw error;
    }
  }

  private async settleFailure(
    use: KeyUse,
    token: string,
    error: unknown,
    failureResponse: (error: unknown) => StoredResponse | undefined,
  ): Promise<void> {
    const stored = failureResponse(error);
    try {
      if (stored && (await this.keys.complete(use, token, stored))) return;
      await this.keys.release(use, token);
    } catch (cause) {
      // The key stays held until the lock timeout, after which a retry takes it over.
      this.logger.warn(`could not settle an idempotency key: ${(cause as Error).message}`);
    }
  }
}

/** The answer for a key some earlier attempt holds or has completed. */
function answerOf(use: KeyUse, state: Exclude<KeyState, { state: 'claimed' }>): StoredResponse {
  if (state.fingerprint !== use.fingerprint) throw new IdempotencyKeyReusedError();
  if (state.state === 'in_progress') throw new IdempotencyKeyInUseError();
  return state.response;
}
