import { Injectable } from '@nestjs/common';

import { FavoritesCache } from './cache/favorites-cache';
import { FavoritesRepository } from './favorites.repository';

/** Removes a deleted account's favourites, a bounded batch at a time, and its cached list. */
@Injectable()
export class FavoritesEraser {
  constructor(
    private readonly favorites: FavoritesRepository,
    private readonly cache: FavoritesCache,
  ) {}

  /** Deletes up to `limit` favourites after the id `after`; how many went and the last id. */
  eraseBatch(
    userId: string,
    after: string,
    limit: number,
  ): Promise<{ deleted: number; last?: string }> {
    return this.favorites.deleteBatchForUser(userId, after, limit);
  }

  forgetCached(userId: string): Promise<void> {
    return this.cache.forget(userId);
  }
}
