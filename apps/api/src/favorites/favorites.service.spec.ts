import { ConfigService } from '@nestjs/config';
import { DataSource } from 'typeorm';

import { CacheBreaker } from '@app/cache';
import { AllConfig, AuthConfig, CacheConfig, SigningKeys } from '@app/config';
import { TransactionScope } from '@app/database';
import { parseEntityTags } from '@app/http';

import { FavoritesCache } from './cache/favorites-cache';
import { MemoryFavoritesStore } from './cache/memory-favorites-store';
import { ChartAssetDto, InsightAssetDto } from './dto/asset.dto';
import { favoriteETag } from './favorite-etag';
import {
  CursorWithPageError,
  FavoriteChangedError,
  FavoriteExistsError,
  FavoriteNotFoundError,
  InvalidCursorError,
} from './favorites.errors';
import { FavoriteRecord, FavoritesRepository } from './favorites.repository';
import { FavoritesService } from './favorites.service';
import { PageCursorCodec } from './page-cursor';

const USER = '0b8f5a0e-6d4c-4c55-9a51-3f1c2f6e0a01';
const OTHER_USER = '7d1e2c3b-4a59-4f68-8e77-1a2b3c4d5e6f';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function cursorCodec(): PageCursorCodec {
  const auth: AuthConfig = {
    jwtSecret: 'a-test-secret-of-at-least-32-bytes!',
    jwtIssuer: 'favorites-service',
    jwtAudience: 'favorites-api',
    jwtExpiresInSeconds: 3600,
    refreshTokenExpiresInSeconds: 30 * 24 * 3600,
    sessionCacheSeconds: 30,
    verifiedTokens: 0,
    bcryptCost: 10,
  };
  const config = { getOrThrow: jest.fn().mockReturnValue(auth) };
  return new PageCursorCodec(new SigningKeys(config as unknown as ConfigService));
}

/** The n-th newest favourite: created n seconds before 2026-01-01. */
function record(n: number, overrides: Partial<FavoriteRecord> = {}): FavoriteRecord {
  const createdAt = new Date(Date.UTC(2026, 0, 1) - n * 1000 + 123);
  return {
    id: `asset-${n}`,
    type: 'insight',
    name: `Insight ${n}`,
    description: '',
    payload: { content: `content ${n}` },
    createdAt,
    updatedAt: createdAt,
    version: 100 + n,
    ...overrides,
  };
}

/** A real cache on the in-process store, on or off. */
function cacheOf(favorites: FavoritesRepository, enabled: boolean): FavoritesCache {
  const cache: CacheConfig = {
    enabled,
    commandTimeoutMs: 200,
    breakerResetMs: 1000,
    repairConcurrency: 1,
    maxListSize: 1000,
    ttlSeconds: 3600,
  };
  const config = { get: jest.fn().mockReturnValue(cache) };
  return new FavoritesCache(
    new MemoryFavoritesStore(),
    new CacheBreaker({ resetMs: 1000 }),
    favorites,
    config as unknown as ConfigService<AllConfig, true>,
  );
}

/** Outside any transaction: after-commit work runs at once. */
const noTransaction = () => new TransactionScope({ manager: {} } as DataSource);

function records(count: number): FavoriteRecord[] {
  return Array.from({ length: count }, (_, i) => record(i + 1));
}

describe(FavoritesService.name, () => {
  let favorites: jest.Mocked<FavoritesRepository>;
  let cursors: PageCursorCodec;
  let sut: FavoritesService;

  beforeEach(() => {
    favorites = {
      insertForUser: jest.fn(),
      findOneForUser: jest.fn(),
      findManyForUser: jest.fn(),
      updateDescriptionForUser: jest.fn(),
      deleteForUser: jest.fn(),
      existsForUser: jest.fn(),
      deleteBatchForUser: jest.fn(),
      findPageForUser: jest.fn(),
      streamForUser: jest.fn(),
    };
    cursors = cursorCodec();
    sut = new FavoritesService(favorites, cursors, cacheOf(favorites, false), noTransaction());
  });

  describe('list', () => {
    it('asks for one row more than the default limit, from the first row', async () => {
      favorites.findPageForUser.mockResolvedValue({ total: 0, rows: [] });

      const page = await sut.list(USER, {});

      expect(favorites.findPageForUser).toHaveBeenCalledWith(USER, { limit: 11, offset: 0 });
      expect(page.toJSON()).toEqual({ data: [], total: 0, page: 1, limit: 10, nextCursor: null });
    });

    it('skips (page - 1) * limit rows', async () => {
      favorites.findPageForUser.mockResolvedValue({ total: 12, rows: records(2) });

      const page = await sut.list(USER, { page: 3, limit: 5 });

      expect(favorites.findPageForUser).toHaveBeenCalledWith(USER, { limit: 6, offset: 10 });
      expect(page).toMatchObject({ total: 12, page: 3, limit: 5, nextCursor: null });
      expect(page.data.map((a) => a.id)).toEqual(['asset-1', 'asset-2']);
    });

    it('returns the rows as assets, payload fields at the top level', async () => {
      const row = record(1, { description: 'mine' });
      favorites.findPageForUser.mockResolvedValue({ total: 1, rows: [row] });

      const page = await sut.list(USER, {});

      expect(page.data).toEqual([
        {
          id: 'asset-1',
          type: 'insight',
          name: 'Insight 1',
          description: 'mine',
          content: 'content 1',
          createdAt: row.createdAt.toISOString(),
          updatedAt: row.updatedAt.toISOString(),
        },
      ]);
    });

    it('gives no nextCursor when exactly limit rows came back', async () => {
      favorites.findPageForUser.mockResolvedValue({ total: 5, rows: records(5) });

      const page = await sut.list(USER, { limit: 5 });

      expect(page.data).toHaveLength(5);
      expect(page.nextCursor).toBeNull();
    });

    it('drops the extra row and points nextCursor at the last row shown', async () => {
      const rows = records(6);
      favorites.findPageForUser.mockResolvedValue({ total: 50, rows });

      const page = await sut.list(USER, { limit: 5 });

      expect(page.data.map((a) => a.id)).toEqual(rows.slice(0, 5).map((r) => r.id));
      expect(page.nextCursor).not.toBeNull();
      expect(cursors.decode(USER, page.nextCursor!)).toEqual({
        createdAt: rows[4].createdAt,
        id: rows[4].id,
      });
    });

    it('continues after the position a cursor holds, with no page number', async () => {
      const after = { createdAt: new Date('2026-01-01T00:00:00.123Z'), id: 'asset.7' };
      favorites.findPageForUser.mockResolvedValue({ total: 50, rows: records(3) });

      const page = await sut.list(USER, { cursor: cursors.encode(USER, after), limit: 3 });

      expect(favorites.findPageForUser).toHaveBeenCalledWith(USER, { limit: 4, after });
      expect(page).toMatchObject({ page: null, limit: 3, nextCursor: null });
    });

    it("refuses another user's cursor without reading", async () => {
      const cursor = cursors.encode(OTHER_USER, { createdAt: new Date(), id: 'x' });

      await expect(sut.list(USER, { cursor })).rejects.toBeInstanceOf(InvalidCursorError);
      expect(favorites.findPageForUser).not.toHaveBeenCalled();
    });

    it('refuses page and cursor together without reading', async () => {
      const cursor = cursors.encode(USER, { createdAt: new Date(), id: 'x' });

      await expect(sut.list(USER, { cursor, page: 2 })).rejects.toBeInstanceOf(CursorWithPageError);
      expect(favorites.findPageForUser).not.toHaveBeenCalled();
    });
  });

  describe('add', () => {
    it('generates a UUID id and an empty description when they are absent', async () => {
      const asset: InsightAssetDto = { type: 'insight', name: 'Insight', content: 'text' };
      favorites.insertForUser.mockImplementation((_userId, f) =>
        Promise.resolve(record(0, { ...f })),
      );

      const added = await sut.add(USER, asset);

      expect(favorites.insertForUser).toHaveBeenCalledWith(USER, {
        id: expect.stringMatching(UUID),
        type: 'insight',
        name: 'Insight',
        description: '',
        payload: { content: 'text' },
      });
      expect(added.value).toMatchObject({ id: expect.stringMatching(UUID), content: 'text' });
    });

    it('keeps a given id and description, and stores type-specific fields as payload', async () => {
      const data = [{ x: 'W1', y: 1 }];
      const asset: ChartAssetDto = {
        type: 'chart',
        id: 'chart-1',
        name: 'Chart',
        description: 'weekly',
        x_axis: 'Week',
        y_axis: 'Users',
        data,
      };
      favorites.insertForUser.mockImplementation((_userId, f) =>
        Promise.resolve(record(0, { ...f })),
      );

      const added = await sut.add(USER, asset);

      expect(favorites.insertForUser).toHaveBeenCalledWith(USER, {
        id: 'chart-1',
        type: 'chart',
        name: 'Chart',
        description: 'weekly',
        payload: { x_axis: 'Week', y_axis: 'Users', data },
      });
      expect(added.value).toMatchObject({ id: 'chart-1', type: 'chart', x_axis: 'Week', data });
      expect(added.etag).toBe(favoriteETag(USER, 'chart-1', 100));
    });

    it('answers FavoriteExistsError when the user already has this id', async () => {
      favorites.insertForUser.mockResolvedValue(undefined);

      await expect(
        sut.add(USER, { type: 'insight', id: 'dup', name: 'n', content: 'c' }),
      ).rejects.toBeInstanceOf(FavoriteExistsError);
    });
  });

  describe('get', () => {
    it("returns the user's favourite as an asset, tagged with its version", async () => {
      favorites.findOneForUser.mockResolvedValue(record(1));

      await expect(sut.get(USER, 'asset-1')).resolves.toEqual({
        etag: favoriteETag(USER, 'asset-1', 101),
        value: expect.objectContaining({ id: 'asset-1' }),
      });
      expect(favorites.findOneForUser).toHaveBeenCalledWith(USER, 'asset-1');
    });

    it('answers FavoriteNotFoundError when there is none', async () => {
      favorites.findOneForUser.mockResolvedValue(undefined);

      await expect(sut.get(USER, 'missing')).rejects.toBeInstanceOf(FavoriteNotFoundError);
    });
  });

  describe('editDescription', () => {
    it('returns the updated favourite, tagged with its new version', async () => {
      favorites.updateDescriptionForUser.mockResolvedValue(
        record(1, { description: 'new', version: 500 }),
      );

      await expect(sut.editDescription(USER, 'asset-1', 'new')).resolves.toEqual({
        etag: favoriteETag(USER, 'asset-1', 500),
        value: expect.objectContaining({ id: 'asset-1', description: 'new' }),
      });
      expect(favorites.updateDescriptionForUser).toHaveBeenCalledWith(
        USER,
        'asset-1',
        'new',
        undefined,
      );
    });

    it('edits only the versions If-Match names, ignoring weak tags and tags of others', async () => {
      favorites.updateDescriptionForUser.mockResolvedValue(record(1, { version: 7 }));
      const ifMatch = parseEntityTags(
        [
          favoriteETag(USER, 'asset-1', 5),
          `W/${favoriteETag(USER, 'asset-1', 6)}`,
          favoriteETag(USER, 'asset-2', 8),
          favoriteETag(OTHER_USER, 'asset-1', 9),
          '"garbage"',
        ].join(', '),
      );

      await sut.editDescription(USER, 'asset-1', 'new', ifMatch);

      expect(favorites.updateDescriptionForUser).toHaveBeenCalledWith(USER, 'asset-1', 'new', [5]);
    });

    it('treats If-Match: * as no condition', async () => {
      favorites.updateDescriptionForUser.mockResolvedValue(record(1));

      await sut.editDescription(USER, 'asset-1', 'new', '*');

      expect(favorites.updateDescriptionForUser).toHaveBeenCalledWith(
        USER,
        'asset-1',
        'new',
        undefined,
      );
    });

    it('answers FavoriteChangedError when If-Match names another version of an existing one', async () => {
      favorites.updateDescriptionForUser.mockResolvedValue(undefined);
      favorites.existsForUser.mockResolvedValue(true);

      await expect(
        sut.editDescription(USER, 'asset-1', 'new', parseEntityTags('"1-aaaaaaaaaaaaaaaa"')),
      ).rejects.toBeInstanceOf(FavoriteChangedError);
    });

    it('answers FavoriteNotFoundError with If-Match when there is none', async () => {
      favorites.updateDescriptionForUser.mockResolvedValue(undefined);
      favorites.existsForUser.mockResolvedValue(false);

      await expect(
        sut.editDescription(USER, 'asset-1', 'new', [
          { weak: false, opaque: favoriteETag(USER, 'asset-1', 3) },
        ]),
      ).rejects.toBeInstanceOf(FavoriteNotFoundError);
    });

    it('answers FavoriteNotFoundError when there is none', async () => {
      favorites.updateDescriptionForUser.mockResolvedValue(undefined);

      await expect(sut.editDescription(USER, 'missing', 'new')).rejects.toBeInstanceOf(
        FavoriteNotFoundError,
      );
    });
  });

  describe('remove', () => {
    it("deletes the user's favourite", async () => {
      favorites.deleteForUser.mockResolvedValue(true);

      await expect(sut.remove(USER, 'asset-1')).resolves.toBeUndefined();
      expect(favorites.deleteForUser).toHaveBeenCalledWith(USER, 'asset-1', undefined);
    });

    it('deletes only at the version If-Match names, else FavoriteChangedError', async () => {
      favorites.deleteForUser.mockResolvedValue(false);
      favorites.existsForUser.mockResolvedValue(true);
      const ifMatch = parseEntityTags(favoriteETag(USER, 'asset-1', 42));

      await expect(sut.remove(USER, 'asset-1', ifMatch)).rejects.toBeInstanceOf(
        FavoriteChangedError,
      );
      expect(favorites.deleteForUser).toHaveBeenCalledWith(USER, 'asset-1', [42]);
      expect(favorites.existsForUser).toHaveBeenCalledWith(USER, 'asset-1');
    });

    it('answers FavoriteNotFoundError when there was nothing to delete', async () => {
      favorites.deleteForUser.mockResolvedValue(false);

      await expect(sut.remove(USER, 'missing')).rejects.toBeInstanceOf(FavoriteNotFoundError);
    });
  });

  describe('with the cache on (in-process store)', () => {
    let cache: FavoritesCache;

    beforeEach(() => {
      cache = cacheOf(favorites, true);
      sut = new FavoritesService(favorites, cursors, cache, noTransaction());
    });

    /** Makes the user's list warm with these rows, as a read-repair would. */
    async function warm(rows: FavoriteRecord[]) {
      favorites.findPageForUser.mockResolvedValue({ total: rows.length, rows });
      await cache.repair(USER); // lets a rebuild an earlier read scheduled finish first
      await cache.repair(USER);
      favorites.findPageForUser.mockReset();
    }

    it('serves a warm list without the database, the same page as the database gives', async () => {
      const rows = records(12);
      favorites.findPageForUser.mockResolvedValue({ total: 12, rows: rows.slice(0, 6) });
      const fromDatabase = await sut.list(USER, { limit: 5 });
      await warm(rows);

      const fromCache = await sut.list(USER, { limit: 5 });

      expect(favorites.findPageForUser).not.toHaveBeenCalled();
      expect(fromCache.toBody()).toBe(fromDatabase.toBody());
      const next = await sut.list(USER, { limit: 5, cursor: fromCache.nextCursor! });
      expect(next.data.map((a) => a.id)).toEqual(rows.slice(5, 10).map((r) => r.id));
      expect(cache.stats.hits).toBe(2);
    });

    it('writes through: an added, edited or removed favourite shows at once', async () => {
      await warm(records(3));
      const added = record(0, { id: 'new' });
      favorites.insertForUser.mockResolvedValue(added);
      await sut.add(USER, { type: 'insight', name: 'n', content: 'c' });
      favorites.updateDescriptionForUser.mockResolvedValue(record(2, { description: 'edited' }));
      await sut.editDescription(USER, 'asset-2', 'edited');
      favorites.deleteForUser.mockResolvedValue(true);
      await sut.remove(USER, 'asset-3');

      const page = await sut.list(USER, {});

      expect(favorites.findPageForUser).not.toHaveBeenCalled();
      expect(page.data.map((a) => [a.id, a.description])).toEqual([
        ['new', ''],
        ['asset-1', ''],
        ['asset-2', 'edited'],
      ]);
      expect(page.total).toBe(3);
    });
  });
});
