import { ConfigService } from '@nestjs/config';

import { AllConfig } from '@app/config';

import { IdempotencyRepository } from './idempotency.repository';
import { IdempotencyPurge } from './idempotency-purge';

function purgeWith(purgeExpired: jest.Mock, batchSize = 100) {
  const keys = { purgeExpired } as unknown as IdempotencyRepository;
  const config = {
    get: jest.fn().mockReturnValue({
      keyTtlSeconds: 60,
      lockTimeoutSeconds: 60,
      purgeIntervalSeconds: 0,
      purgeBatchSize: batchSize,
    }),
  } as unknown as ConfigService<AllConfig, true>;
  return new IdempotencyPurge(keys, config);
}

describe(IdempotencyPurge.name, () => {
  it('deletes batch after batch until one comes back short', async () => {
    const purgeExpired = jest
      .fn()
      .mockResolvedValueOnce(100)
      .mockResolvedValueOnce(100)
      .mockResolvedValueOnce(7);
    const sut = purgeWith(purgeExpired);

    await expect(sut.purge()).resolves.toBe(207);
    expect(purgeExpired).toHaveBeenCalledTimes(3);
    expect(purgeExpired).toHaveBeenCalledWith(100);
  });

  it('stops after ten full batches in one run, leaving the rest to the next', async () => {
    const purgeExpired = jest.fn().mockResolvedValue(100);
    const sut = purgeWith(purgeExpired);

    await expect(sut.purge()).resolves.toBe(1000);
    expect(purgeExpired).toHaveBeenCalledTimes(10);
  });

  it('runs once at a time: a second call joins the run under way', async () => {
    let finish!: (count: number) => void;
    const purgeExpired = jest.fn(() => new Promise<number>((resolve) => (finish = resolve)));
    const sut = purgeWith(purgeExpired);

    const first = sut.purge();
    const second = sut.purge();
    finish(3);

    await expect(Promise.all([first, second])).resolves.toEqual([3, 3]);
    expect(purgeExpired).toHaveBeenCalledTimes(1);
  });

  it('survives a failing database, counting what it deleted before', async () => {
    const purgeExpired = jest
      .fn()
      .mockResolvedValueOnce(100)
      .mockRejectedValueOnce(new Error('down'));
    const sut = purgeWith(purgeExpired);

    await expect(sut.purge()).resolves.toBe(100);
  });
});
