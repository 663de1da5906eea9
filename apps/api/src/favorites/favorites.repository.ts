import type { FavoriteEntity } from './favorite.entity';
import type { KeysetPosition } from './page-cursor';

export type FavoriteRecord = Omit<FavoriteEntity, 'userId' | 'user'>;
export type NewFavorite = Pick<FavoriteEntity, 'id' | 'type' | 'name' | 'description' | 'payload'>;

/** Newest first; either the rows after a keyset position, or an offset (O(offset)). */
export type PageRequest = { limit: number } & (
  { after: KeysetPosition; offset?: never } | { offset: number; after?: never }
);

export interface PageResult {
  /** The user's favourite count, kept in the writing transaction (no COUNT). */
  total: number;
  rows: FavoriteRecord[];
}

/** Persistence port of the Favorites module; bound to its TypeORM implementation by the module. */
export abstract class FavoritesRepository {
  /** Undefined when the user already has a favourite with this id. */
  abstract insertForUser(
    userId: string,
    favorite: NewFavorite,
  ): Promise<FavoriteRecord | undefined>;
  abstract findOneForUser(userId: string, id: string): Promise<FavoriteRecord | undefined>;
  abstract updateDescriptionForUser(
    userId: string,
    id: string,
    description: string,
  ): Promise<FavoriteRecord | undefined>;
  /** False when there was nothing of this user's to delete. */
  abstract deleteForUser(userId: string, id: string): Promise<boolean>;
  abstract findPageForUser(userId: string, page: PageRequest): Promise<PageResult>;
}
