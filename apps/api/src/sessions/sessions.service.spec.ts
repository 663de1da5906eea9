import { ConfigService } from '@nestjs/config';

import { AllConfig } from '@app/config';

import { refreshTokenHash } from './refresh-token';
import { SessionRevocations } from './session-revocations';
import { InvalidRefreshTokenError } from './sessions.errors';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

const ALICE = '0b8f5a0e-6d4c-4c55-9a51-3f1c2f6e0a01';
const S1 = '11111111-1111-4111-8111-111111111111';
const TOKEN = 'A'.repeat(43);
const TTL = 30 * 24 * 3600;

describe(SessionsService.name, () => {
  let sessions: jest.Mocked<SessionsRepository>;
  let publish: jest.Mock<Promise<void>, [string[]]>;
  let sut: SessionsService;

  beforeEach(() => {
    sessions = {
      start: jest.fn(),
      rotate: jest.fn(),
      revokeByToken: jest.fn(),
      revoke: jest.fn(),
      revokeAllForUser: jest.fn(),
      findActiveOwner: jest.fn(),
      deleteExpired: jest.fn(),
    };
    publish = jest.fn().mockResolvedValue(undefined);
    const config = { get: jest.fn().mockReturnValue(TTL) };
    sut = new SessionsService(
      sessions,
      { publish } as unknown as SessionRevocations,
      config as unknown as ConfigService<AllConfig, true>,
    );
  });

  describe('start', () => {
    it('stores only the hash of the refresh token it returns', async () => {
      sessions.start.mockResolvedValue(S1);

      const issued = await sut.start(ALICE);

      expect(issued).toEqual({
        sessionId: S1,
        userId: ALICE,
        refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        expiresIn: TTL,
      });
      expect(sessions.start).toHaveBeenCalledWith(
        ALICE,
        refreshTokenHash(issued!.refreshToken),
        TTL,
      );
    });

    it('starts nothing for a deleted account', async () => {
      sessions.start.mockResolvedValue(undefined);

      await expect(sut.start(ALICE)).resolves.toBeUndefined();
    });
  });

  describe('rotate', () => {
    it('claims the token by its hash and returns its successor, whose hash it stored', async () => {
      sessions.rotate.mockResolvedValue({ sessionId: S1, userId: ALICE, usable: true });

      const next = await sut.rotate(TOKEN);

      expect(next).toEqual({
        sessionId: S1,
        userId: ALICE,
        refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        expiresIn: TTL,
      });
      expect(next.refreshToken).not.toBe(TOKEN);
      expect(sessions.rotate).toHaveBeenCalledWith(
        refreshTokenHash(TOKEN),
        refreshTokenHash(next.refreshToken),
        TTL,
      );
      expect(publish).not.toHaveBeenCalled();
    });

    it('refuses a claimed token that had expired or whose session is over, revoking nothing', async () => {
      sessions.rotate.mockResolvedValue({ sessionId: S1, userId: ALICE, usable: false });

      await expect(sut.rotate(TOKEN)).rejects.toBeInstanceOf(InvalidRefreshTokenError);
      expect(sessions.revokeByToken).not.toHaveBeenCalled();
    });

    it('revokes the family of a token presented again, tells every instance, and refuses', async () => {
      sessions.rotate.mockResolvedValue(undefined);
      sessions.revokeByToken.mockResolvedValue({ sessionId: S1, userId: ALICE });

      await expect(sut.rotate(TOKEN)).rejects.toBeInstanceOf(InvalidRefreshTokenError);
      expect(sessions.revokeByToken).toHaveBeenCalledWith(refreshTokenHash(TOKEN), 'reuse');
      expect(publish).toHaveBeenCalledWith([S1]);
    });

    it('refuses an unknown token (or one of a family revoked already) without publishing', async () => {
      sessions.rotate.mockResolvedValue(undefined);
      sessions.revokeByToken.mockResolvedValue(undefined);

      await expect(sut.rotate(TOKEN)).rejects.toBeInstanceOf(InvalidRefreshTokenError);
      expect(publish).not.toHaveBeenCalled();
    });

    it.each(['', 'not-a-token', 'a.b.c', 'A'.repeat(44)])(
      'refuses %p without asking PostgreSQL',
      async (token) => {
        await expect(sut.rotate(token)).rejects.toBeInstanceOf(InvalidRefreshTokenError);
        expect(sessions.rotate).not.toHaveBeenCalled();
      },
    );
  });

  describe('revoke', () => {
    it('revokes the session and tells every instance, even if it had ended already', async () => {
      sessions.revoke.mockResolvedValue(false);

      await sut.revoke(S1, ALICE, 'logout');

      expect(sessions.revoke).toHaveBeenCalledWith(S1, ALICE, 'logout');
      expect(publish).toHaveBeenCalledWith([S1]);
    });

    it('revokes every session of a user at once', async () => {
      sessions.revokeAllForUser.mockResolvedValue([S1, 'other']);

      await sut.revokeAllForUser(ALICE, 'account_deleted');

      expect(sessions.revokeAllForUser).toHaveBeenCalledWith(ALICE, 'account_deleted');
      expect(publish).toHaveBeenCalledWith([S1, 'other']);
    });
  });
});
