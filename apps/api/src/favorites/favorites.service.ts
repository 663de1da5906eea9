import { randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import { Traced } from '@app/observability';

import { FavoritesCache } from './cache/favorites-cache';
import { CachedSlice } from './cache/favorites-store';
import { CreateAssetDto } from './dto/asset.dto';
import { Asset } from './dto/asset.response';
import { DEFAULT_PAGE_LIMIT, ListFavoritesQueryDto } from './dto/list-favorites.query';
import {
  CursorWithPageError,
  FavoriteExistsError,
  FavoriteNotFoundError,
  TypeFilterNeedsStreamError,
} from './favorites.errors';
import { FavoritesRepository } from './favorites.repository';
import { AssetText, assetTextOf, FavoritesPage } from './favorites-page';
import { KeysetPosition, PageCursorCodec } from './page-cursor';
import { toAsset } from './to-asset';

@Injectable()
export class FavoritesService {
  constructor(
    private readonly favorites: FavoritesRepository,
    private readonly cursors: PageCursorCodec,
    private readonly cache: FavoritesCache,
  ) {}

  @Traced()
  async list(userId: string, query: ListFavoritesQueryDto): Promise<FavoritesPage> {
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    if (query.cursor !== undefined && query.page !== undefined) throw new CursorWithPageError();
    if (query.type !== undefined) throw new TypeFilterNeedsStreamError();
    const after =
      query.cursor === undefined ? undefined : this.cursors.decode(userId, query.cursor);
    const page = after ? null : (query.page ?? 1);
    const offset = page === null ? 0 : (page - 1) * limit;
    // One row more than asked tells whether a next page exists without a second query.
    const cached = await this.cache.read(userId, after ? { after } : { offset }, limit + 1);
    const fromCache = cached && (await this.assetsOf(userId, cached));
    const { total, assets } =
      fromCache ?? (await this.readDatabase(userId, after, offset, limit + 1));
    const pageAssets = assets.slice(0, limit);
    const last = pageAssets[pageAssets.length - 1];
    const nextCursor =
      assets.length > limit
        ? this.cursors.encode(userId, { createdAt: new Date(last.createdAt), id: last.id })
        : null;
    return new FavoritesPage(pageAssets, total, page, limit, nextCursor);
  }

  @Traced()
  async get(userId: string, id: string): Promise<Asset> {
    const record = await this.favorites.findOneForUser(userId, id);
    if (!record) throw new FavoriteNotFoundError();
    return toAsset(record);
  }

  @Traced()
  async add(userId: string, asset: CreateAssetDto): Promise<Asset> {
    // @IsOptional lets null through as well as undefined: both mean "not given".
    const { id, type, name, description, ...payload } = asset;
    const record = await this.favorites.insertForUser(userId, {
      id: id ?? randomUUID(),
      type,
      name,
      description: description ?? '',
      payload: { ...payload },
    });
    if (!record) throw new FavoriteExistsError();
    await this.cache.added(userId, record);
    return toAsset(record);
  }

  @Traced()
  async editDescription(userId: string, id: string, description: string): Promise<Asset> {
    const record = await this.favorites.updateDescriptionForUser(userId, id, description);
    if (!record) throw new FavoriteNotFoundError();
    await this.cache.edited(userId, record);
    return toAsset(record);
  }

  @Traced()
  async remove(userId: string, id: string): Promise<void> {
    if (!(await this.favorites.deleteForUser(userId, id))) throw new FavoriteNotFoundError();
    await this.cache.removed(userId, id);
  }

  private async readDatabase(
    userId: string,
    after: KeysetPosition | undefined,
    offset: number,
    limit: number,
  ): Promise<{ total: number; assets: AssetText[] }> {
    const { total, rows } = await this.favorites.findPageForUser(
      userId,
      after ? { limit, after } : { limit, offset },
    );
    return { total, assets: rows.map(assetTextOf) };
  }

  /**
   * The cached slice as Assets, with any JSON the cache had lost read from PostgreSQL and put
   * back. Null when a cached id is no longer in the database (a write raced this read): the
   * caller then reads the page from PostgreSQL.
   */
  private async assetsOf(
    userId: string,
    slice: CachedSlice,
  ): Promise<{ total: number; assets: AssetText[] } | null> {
    const missing = slice.items.filter((item) => item.json === null).map((item) => item.id);
    const found = missing.length ? await this.favorites.findManyForUser(userId, missing) : [];
    if (found.length !== missing.length) return null;
    const byId = new Map(found.map((record) => [record.id, record]));
    if (found.length) await this.cache.fill(userId, slice.version, found);
    const assets = slice.items.map(({ id, score, json }) =>
      json === null ? assetTextOf(byId.get(id)!) : { id, createdAt: score, json },
    );
    return { total: slice.total, assets };
  }
}
