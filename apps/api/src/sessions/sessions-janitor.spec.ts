import { SessionsRepository } from './sessions.repository';
import { SessionsJanitor } from './sessions-janitor';

const DAY_MS = 24 * 3600_000;

describe(SessionsJanitor.name, () => {
  let deleteExpired: jest.Mock<Promise<number>, [Date, number]>;
  let sut: SessionsJanitor;

  beforeEach(() => {
    deleteExpired = jest.fn();
    sut = new SessionsJanitor({ deleteExpired } as unknown as SessionsRepository);
  });

  afterEach(() => sut.onModuleDestroy());

  it('deletes sessions expired more than a day ago, batch after batch until one is short', async () => {
    deleteExpired.mockResolvedValueOnce(1000).mockResolvedValueOnce(1000).mockResolvedValueOnce(7);
    const now = Date.UTC(2026, 10, 25);

    await sut.sweep(now);

    expect(deleteExpired.mock.calls).toEqual([
      [new Date(now - DAY_MS), 1000],
      [new Date(now - DAY_MS), 1000],
      [new Date(now - DAY_MS), 1000],
    ]);
  });

  it('runs one sweep at a time', async () => {
    deleteExpired.mockResolvedValue(0);

    await Promise.all([sut.sweep(), sut.sweep()]);

    expect(deleteExpired).toHaveBeenCalledTimes(1);
  });

  it('leaves a failed sweep to the next one', async () => {
    deleteExpired.mockRejectedValueOnce(new Error('connection refused')).mockResolvedValue(0);

    await expect(sut.sweep()).resolves.toBeUndefined();
    await sut.sweep();

    expect(deleteExpired).toHaveBeenCalledTimes(2);
  });
});
