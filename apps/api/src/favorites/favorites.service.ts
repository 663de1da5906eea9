import { randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import { CreateAssetDto } from './dto/asset.dto';
import { Asset } from './dto/asset.response';
import { FavoritesPageDto } from './dto/favorites-page.dto';
import { DEFAULT_PAGE_LIMIT, ListFavoritesQueryDto } from './dto/list-favorites.query';
import {
  CursorWithPageError,
  FavoriteExistsError,
  FavoriteNotFoundError,
  TypeFilterNeedsStreamError,
} from './favorites.errors';
import { FavoriteRecord, FavoritesRepository } from './favorites.repository';
import { PageCursorCodec } from './page-cursor';

export function toAsset(record: FavoriteRecord): Asset {
  return {
    id: record.id,
    type: record.type,
    name: record.name,
    description: record.description,
    ...record.payload,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}

@Injectable()
export class FavoritesService {
  constructor(
    private readonly favorites: FavoritesRepository,
    private readonly cursors: PageCursorCodec,
  ) {}

  async list(userId: string, query: ListFavoritesQueryDto): Promise<FavoritesPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    if (query.cursor !== undefined && query.page !== undefined) throw new CursorWithPageError();
    if (query.type !== undefined) throw new TypeFilterNeedsStreamError();
    const after =
      query.cursor === undefined ? undefined : this.cursors.decode(userId, query.cursor);
    const page = after ? null : (query.page ?? 1);
    // One row more than asked tells whether a next page exists without a second query.
    const { total, rows } = await this.favorites.findPageForUser(
      userId,
      after ? { limit: limit + 1, after } : { limit: limit + 1, offset: (page! - 1) * limit },
    );
    const pageRows = rows.slice(0, limit);
    const last = pageRows[pageRows.length - 1];
    return {
      data: pageRows.map(toAsset),
      total,
      page,
      limit,
      nextCursor: rows.length > limit ? this.cursors.encode(userId, last) : null,
    };
  }

  async get(userId: string, id: string): Promise<Asset> {
    const record = await this.favorites.findOneForUser(userId, id);
    if (!record) throw new FavoriteNotFoundError();
    return toAsset(record);
  }

  async add(userId: string, asset: CreateAssetDto): Promise<Asset> {
    const { id = randomUUID(), type, name, description = '', ...payload } = asset;
    const record = await this.favorites.insertForUser(userId, {
      id,
      type,
      name,
      description,
      payload: { ...payload },
    });
    if (!record) throw new FavoriteExistsError();
    return toAsset(record);
  }

  async editDescription(userId: string, id: string, description: string): Promise<Asset> {
    const record = await this.favorites.updateDescriptionForUser(userId, id, description);
    if (!record) throw new FavoriteNotFoundError();
    return toAsset(record);
  }

  async remove(userId: string, id: string): Promise<void> {
    if (!(await this.favorites.deleteForUser(userId, id))) throw new FavoriteNotFoundError();
  }
}
