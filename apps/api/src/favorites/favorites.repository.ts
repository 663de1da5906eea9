import type { Readable } from 'node:stream';

import type { AssetType } from './dto/asset.dto';
import type { FavoriteEntity } from './favorite.entity';
import type { KeysetPosition } from './page-cursor';

export type FavoriteRecord = Omit<FavoriteEntity, 'userId' | 'user'>;
export type NewFavorite = Pick<FavoriteEntity, 'id' | 'type' | 'name' | 'description' | 'payload'>;

/** Newest first; either the rows after a keyset position, or an offset (O(offset)). */
export type PageRequest = { limit: number } & (
  { after: KeysetPosition; offset?: never } | { offset: number; after?: never }
);

/** A whole list, newest first: all of it, or what follows a keyset position; optionally one type. */
export interface StreamRequest {
  after?: KeysetPosition;
  type?: AssetType;
}

export interface PageResult {
  /** The user's favourite count, kept in the writing transaction (no COUNT). */
  total: number;
  rows: FavoriteRecord[];
}

/** Persistence port of the Favorites module; bound to its TypeORM implementation by the module. */
export abstract class FavoritesRepository {
  /**
   * Undefined when the user already has a favourite with this id. Joins the caller's transaction
   * (TransactionScope), if one is open.
   */
  abstract insertForUser(
    userId: string,
    favorite: NewFavorite,
  ): Promise<FavoriteRecord | undefined>;
  abstract findOneForUser(userId: string, id: string): Promise<FavoriteRecord | undefined>;
  /** Those of the ids the user has, in no particular order. */
  abstract findManyForUser(userId: string, ids: string[]): Promise<FavoriteRecord[]>;
  /**
   * Bumps the version. With `versions`, only a favourite at one of them is changed, in the same
   * statement (If-Match). Undefined when nothing matched.
   */
  abstract updateDescriptionForUser(
    userId: string,
    id: string,
    description: string,
    versions?: number[],
  ): Promise<FavoriteRecord | undefined>;
  /**
   * False when there was nothing of this user's to delete; with `versions`, nothing at one of
   * them (If-Match).
   */
  abstract deleteForUser(userId: string, id: string, versions?: number[]): Promise<boolean>;
  abstract existsForUser(userId: string, id: string): Promise<boolean>;
  /**
   * Deletes up to `limit` of the user's favourites with ids after `after` (in id order), skipping
   * rows another transaction holds; how many went and the last id deleted.
   */
  abstract deleteBatchForUser(
    userId: string,
    after: string,
    limit: number,
  ): Promise<{ deleted: number; last?: string }>;
  abstract findPageForUser(userId: string, page: PageRequest): Promise<PageResult>;
  /**
   * The list as NDJSON bytes, one Asset's JSON per line, written by the database on a connection
   * of its own, released when the stream closes: at its end, on error, or when destroyed early.
   * Chunks are cut wherever the connection's reads end, not at line ends.
   */
  abstract streamForUser(userId: string, request: StreamRequest): Promise<Readable>;
}
