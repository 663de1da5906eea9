import { EventEmitter } from 'node:events';

import { ConfigService } from '@nestjs/config';
import { DataSource, EntityManager } from 'typeorm';

import { AllConfig, IdempotencyConfig } from '@app/config';
import { TransactionScope } from '@app/database';

import { IdempotencyKeyInUseError, IdempotencyKeyReusedError } from './idempotency.errors';
import { IdempotencyRepository, KeyUse, StoredResponse } from './idempotency.repository';
import { IdempotencyService } from './idempotency.service';

const USE: KeyUse = { userId: 'user-1', key: 'key-1', fingerprint: 'fp-1' };
const CREATED: StoredResponse = { status: 201, headers: { etag: '"1"' }, body: '{"id":"a"}' };
const CONFLICT: StoredResponse = { status: 409, headers: {}, body: '{"code":"FAVORITE_EXISTS"}' };

function configOf(idempotency: IdempotencyConfig): ConfigService<AllConfig, true> {
  return { get: jest.fn().mockReturnValue(idempotency) } as unknown as ConfigService<
    AllConfig,
    true
  >;
}

describe(IdempotencyService.name, () => {
  let keys: jest.Mocked<IdempotencyRepository>;
  let events: string[];
  let sut: IdempotencyService;

  beforeEach(() => {
    events = [];
    keys = {
      claim: jest.fn().mockResolvedValue({ state: 'claimed' }),
      complete: jest.fn().mockImplementation(() => {
        events.push('complete');
        return Promise.resolve(true);
      }),
      release: jest.fn().mockResolvedValue(undefined),
      purgeExpired: jest.fn(),
    };
    // TransactionScope's own query runner, whose manager records the transaction's outcome.
    const transaction = async (work: (m: EntityManager) => Promise<unknown>) => {
      events.push('begin');
      try {
        const result = await work({} as EntityManager);
        events.push('commit');
        return result;
      } catch (error) {
        events.push('rollback');
        throw error;
      }
    };
    const dataSource = {
      manager: {},
      createQueryRunner: () => ({
        connect: () => Promise.resolve(new EventEmitter()),
        release: () => Promise.resolve(),
        manager: { transaction },
      }),
    } as unknown as DataSource;
    sut = new IdempotencyService(
      keys,
      new TransactionScope(dataSource),
      configOf({
        keyTtlSeconds: 86_400,
        lockTimeoutSeconds: 60,
        purgeIntervalSeconds: 60,
        purgeBatchSize: 1000,
      }),
    );
  });

  it('runs a first attempt and stores its answer in the same transaction', async () => {
    const attempt = jest.fn(() => {
      events.push('attempt');
      return Promise.resolve(CREATED);
    });

    await expect(sut.execute(USE, attempt, () => undefined)).resolves.toEqual({
      response: CREATED,
      replayed: false,
    });

    expect(events).toEqual(['begin', 'attempt', 'complete', 'commit']);
    expect(keys.claim).toHaveBeenCalledWith(USE, {
      token: expect.any(String),
      ttlSeconds: 86_400,
      lockTimeoutSeconds: 60,
    });
    const token = keys.claim.mock.calls[0][1].token;
    expect(keys.complete).toHaveBeenCalledWith(USE, token, CREATED);
  });

  it('replays a completed answer without running the attempt', async () => {
    keys.claim.mockResolvedValue({ state: 'complete', fingerprint: 'fp-1', response: CREATED });
    const attempt = jest.fn();

    await expect(sut.execute(USE, attempt, () => undefined)).resolves.toEqual({
      response: CREATED,
      replayed: true,
    });
    expect(attempt).not.toHaveBeenCalled();
  });

  it('refuses the key with another request, complete or in progress (422)', async () => {
    keys.claim.mockResolvedValueOnce({ state: 'complete', fingerprint: 'fp-2', response: CREATED });
    keys.claim.mockResolvedValueOnce({ state: 'in_progress', fingerprint: 'fp-2' });

    await expect(sut.execute(USE, jest.fn(), () => undefined)).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
    await expect(sut.execute(USE, jest.fn(), () => undefined)).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
  });

  it('answers 409 while the same request is still in progress', async () => {
    keys.claim.mockResolvedValue({ state: 'in_progress', fingerprint: 'fp-1' });

    await expect(sut.execute(USE, jest.fn(), () => undefined)).rejects.toBeInstanceOf(
      IdempotencyKeyInUseError,
    );
  });

  it('stores a failure the request earned, after rolling back its writes', async () => {
    const error = new Error('exists');

    await expect(
      sut.execute(
        USE,
        () => Promise.reject(error),
        () => CONFLICT,
      ),
    ).rejects.toBe(error);

    expect(events).toEqual(['begin', 'rollback', 'complete']);
    expect(keys.complete).toHaveBeenCalledWith(USE, expect.any(String), CONFLICT);
    expect(keys.release).not.toHaveBeenCalled();
  });

  it('releases the key after any other failure, so a retry runs again', async () => {
    const error = new Error('database down');

    await expect(
      sut.execute(
        USE,
        () => Promise.reject(error),
        () => undefined,
      ),
    ).rejects.toBe(error);

    const token = keys.claim.mock.calls[0][1].token;
    expect(keys.release).toHaveBeenCalledWith(USE, token);
    expect(keys.complete).not.toHaveBeenCalled();
  });

  it('still rethrows the failure when releasing fails (the lock timeout frees the key)', async () => {
    const error = new Error('database down');
    keys.release.mockRejectedValue(new Error('still down'));

    await expect(
      sut.execute(
        USE,
        () => Promise.reject(error),
        () => undefined,
      ),
    ).rejects.toBe(error);
  });

  it('rolls back when the key was taken over meanwhile, and touches it no more', async () => {
    keys.complete.mockImplementation(() => Promise.resolve(false));

    await expect(
      sut.execute(
        USE,
        () => Promise.resolve(CREATED),
        () => CONFLICT,
      ),
    ).rejects.toBeInstanceOf(IdempotencyKeyInUseError);

    expect(events).toEqual(['begin', 'rollback']);
    expect(keys.complete).toHaveBeenCalledTimes(1);
    expect(keys.release).not.toHaveBeenCalled();
  });
});
