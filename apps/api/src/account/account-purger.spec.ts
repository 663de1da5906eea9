import { FavoritesEraser } from '../favorites/favorites-eraser';
import { UsersService } from '../users/users.service';
import { AccountPurger, PURGE_BATCH, REST_PER_BATCH_TIME } from './account-purger';

const ALICE = '0b8f5a0e-6d4c-4c55-9a51-3f1c2f6e0a01';
const BOB = '7d1e2c3b-4a59-4f68-8e77-1a2b3c4d5e6f';

describe(AccountPurger.name, () => {
  let users: jest.Mocked<Pick<UsersService, 'findDeleted' | 'removeDeleted'>>;
  let favorites: jest.Mocked<Pick<FavoritesEraser, 'eraseBatch' | 'forgetCached'>>;
  let deleted: string[];
  let sut: AccountPurger;

  beforeEach(() => {
    deleted = [ALICE, BOB];
    users = {
      findDeleted: jest.fn((limit: number) => Promise.resolve(deleted.slice(0, limit))),
      removeDeleted: jest.fn((userId: string) => {
        deleted = deleted.filter((id) => id !== userId);
        return Promise.resolve(true);
      }),
    };
    // ALICE has two full batches and a few more rows; BOB none.
    const batches: Record<string, Array<{ deleted: number; last?: string }>> = {
      [ALICE]: [
        { deleted: PURGE_BATCH, last: 'k' },
        { deleted: PURGE_BATCH, last: 't' },
        { deleted: 3, last: 'z' },
        { deleted: 0 },
      ],
      [BOB]: [{ deleted: 0 }],
    };
    favorites = {
      eraseBatch: jest.fn((userId: string, _after: string, _limit: number) =>
        Promise.resolve(batches[userId].shift()!),
      ),
      forgetCached: jest.fn().mockResolvedValue(undefined),
    };
    sut = new AccountPurger(
      users as unknown as UsersService,
      favorites as unknown as FavoritesEraser,
    );
  });

  afterEach(() => sut.onModuleDestroy());

  it('removes favourites in bounded batches, each after the last id, then the account', async () => {
    sut.wake();
    await sut.idle();

    expect(favorites.eraseBatch.mock.calls.filter(([userId]) => userId === ALICE)).toEqual([
      [ALICE, '', PURGE_BATCH],
      [ALICE, 'k', PURGE_BATCH],
      [ALICE, 't', PURGE_BATCH],
      [ALICE, 'z', PURGE_BATCH],
    ]);
    expect(users.removeDeleted.mock.calls).toEqual([[ALICE], [BOB]]);
    expect(favorites.forgetCached.mock.calls).toEqual([[ALICE], [BOB]]);
    expect(deleted).toEqual([]);
  });

  it('runs one pass at a time; a wake during a pass runs another after it', async () => {
    sut.wake();
    sut.wake();
    sut.wake();
    await sut.idle();

    // Two passes: the first removed both; the second found nothing more to do.
    expect(users.findDeleted).toHaveBeenCalledTimes(3);
    expect(users.removeDeleted).toHaveBeenCalledTimes(2);
  });

  it('gives up a pass on a database error, leaving the account to the next pass', async () => {
    users.findDeleted.mockRejectedValueOnce(new Error('connection refused'));

    sut.wake();
    await sut.idle();
    expect(users.removeDeleted).not.toHaveBeenCalled();

    sut.wake();
    await sut.idle();
    expect(deleted).toEqual([]);
  });

  describe('between batches', () => {
    beforeEach(() => {
      jest.useFakeTimers();
      // Each batch takes 40 ms.
      const eraseInstantly = favorites.eraseBatch.getMockImplementation()!;
      favorites.eraseBatch.mockImplementation(
        (userId, after, limit) =>
          new Promise((resolve) =>
            setTimeout(() => resolve(eraseInstantly(userId, after, limit)), 40),
          ),
      );
    });
    afterEach(() => jest.useRealTimers());

    it('rests REST_PER_BATCH_TIME times as long as the batch took before the next one', async () => {
      sut.wake();
      await jest.advanceTimersByTimeAsync(40);
      expect(favorites.eraseBatch).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(40 * REST_PER_BATCH_TIME - 1);
      expect(favorites.eraseBatch).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(favorites.eraseBatch).toHaveBeenCalledTimes(2);

      await jest.runAllTimersAsync();
      await sut.idle();
      expect(deleted).toEqual([]);
    });

    it('cuts a rest short on shutdown, and erases no further batch', async () => {
      sut.wake();
      await jest.advanceTimersByTimeAsync(41);

      await sut.onModuleDestroy(); // resolves without the clock moving on

      expect(favorites.eraseBatch).toHaveBeenCalledTimes(1);
      expect(users.removeDeleted).not.toHaveBeenCalled();
    });
  });

  it('starts no pass once closed', async () => {
    await sut.onModuleDestroy();

    sut.wake();
    await sut.idle();

    expect(users.findDeleted).not.toHaveBeenCalled();
  });
});
