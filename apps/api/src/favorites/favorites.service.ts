import { randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import { TransactionScope } from '@app/database';
import { EntityTagList, strongTagsOf, Tagged } from '@app/http';
import { Traced } from '@app/observability';

import { FavoritesCache } from './cache/favorites-cache';
import { CachedSlice } from './cache/favorites-store';
import { CreateAssetDto } from './dto/asset.dto';
import { Asset } from './dto/asset.response';
import { DEFAULT_PAGE_LIMIT, ListFavoritesQueryDto } from './dto/list-favorites.query';
import { favoriteETag, versionsNamedBy } from './favorite-etag';
import {
  CursorWithPageError,
  FavoriteChangedError,
  FavoriteExistsError,
  FavoriteNotFoundError,
  TypeFilterNeedsStreamError,
} from './favorites.errors';
import { FavoriteRecord, FavoritesRepository } from './favorites.repository';
import { AssetText, assetTextOf, FavoritesPage } from './favorites-page';
import { KeysetPosition, PageCursorCodec } from './page-cursor';
import { toAsset } from './to-asset';

@Injectable()
export class FavoritesService {
  constructor(
    private readonly favorites: FavoritesRepository,
    private readonly cursors: PageCursorCodec,
    private readonly cache: FavoritesCache,
    private readonly transactions: TransactionScope,
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
  async get(userId: string, id: string): Promise<Tagged<Asset>> {
    const record = await this.favorites.findOneForUser(userId, id);
    if (!record) throw new FavoriteNotFoundError();
    return tagged(userId, record);
  }

  @Traced()
  async add(userId: string, asset: CreateAssetDto): Promise<Tagged<Asset>> {
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
    // Inside an idempotent request's transaction, the cache learns of the favourite only once it
    // is committed: before, a read-repair could miss it for good, or a rollback leave it cached.
    await this.transactions.afterCommit(() => this.cache.added(userId, record));
    return tagged(userId, record);
  }

  /** With `ifMatch` (not `*`), only the version it names is edited, else FavoriteChangedError. */
  @Traced()
  async editDescription(
    userId: string,
    id: string,
    description: string,
    ifMatch?: EntityTagList,
  ): Promise<Tagged<Asset>> {
    const versions = this.expectedVersions(userId, id, ifMatch);
    const record = await this.favorites.updateDescriptionForUser(userId, id, description, versions);
    if (!record) throw await this.noMatchError(userId, id, versions);
    await this.cache.edited(userId, record);
    return tagged(userId, record);
  }

  @Traced()
  async remove(userId: string, id: string, ifMatch?: EntityTagList): Promise<void> {
    const versions = this.expectedVersions(userId, id, ifMatch);
    if (!(await this.favorites.deleteForUser(userId, id, versions))) {
      throw await this.noMatchError(userId, id, versions);
    }
    await this.cache.removed(userId, id);
  }

  /** Undefined: no condition (no If-Match, or `*`, which any existing favourite meets). */
  private expectedVersions(
    userId: string,
    id: string,
    ifMatch: EntityTagList | undefined,
  ): number[] | undefined {
    const tags = strongTagsOf(ifMatch);
    return tags === undefined || tags === '*' ? undefined : versionsNamedBy(userId, id, tags);
  }

  /**
   * A favourite that is not there is a 404 with or without If-Match (RFC 9110, section 13.2.1:
   * preconditions are ignored when the request would fail anyway); one that is there but at
   * another version is a 412.
   */
  private async noMatchError(
    userId: string,
    id: string,
    versions: number[] | undefined,
  ): Promise<Error> {
    if (versions && (await this.favorites.existsForUser(userId, id))) {
      return new FavoriteChangedError();
    }
    return new FavoriteNotFoundError();
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

function tagged(userId: string, record: FavoriteRecord): Tagged<Asset> {
  return { etag: favoriteETag(userId, record.id, record.version), value: toAsset(record) };
}
