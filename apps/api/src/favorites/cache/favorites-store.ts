import type { KeysetPosition } from '../page-cursor';

/** One favourite as the cache holds it: its id, its keyset score and its Asset JSON. */
export interface CacheEntry {
  id: string;
  /** created_at in epoch milliseconds; equal scores order by id, as the database does. */
  score: number;
  json: string;
}

/** Where a cached page starts: an offset (page/limit) or after a keyset cursor. */
export type CachePosition = { offset: number } | { after: KeysetPosition };

export interface CachedSlice {
  /** The user's cache version when read; fills are applied only while it still holds. */
  version: number;
  total: number;
  /** Newest first; `json` is null where it was evicted and must be read from PostgreSQL. */
  items: Array<{ id: string; score: number; json: string | null }>;
}

/** `cold`: not cached (yet), a read-repair can build it; `too-large`: not cached on purpose. */
export type CacheRead = CachedSlice | 'cold' | 'too-large';

export interface Rebuild {
  version: number;
  token: string;
}

/**
 * Per-user cached lists, newest first, each with a version that every write bumps. Writes apply
 * to a warm list at once; a rebuild is staged aside and committed only if the version it started
 * from still holds, so a rebuild that raced a write is thrown away instead of bringing back what
 * the write changed. Implemented on Redis sorted sets and, with no Redis, in process.
 */
export abstract class FavoritesStore {
  abstract read(userId: string, position: CachePosition, count: number): Promise<CacheRead>;
  abstract put(userId: string, entry: CacheEntry): Promise<void>;
  /** Replaces the JSON of a favourite the list holds; nothing when it holds none. */
  abstract update(userId: string, entry: CacheEntry): Promise<void>;
  abstract remove(userId: string, id: string): Promise<void>;
  /** Puts back JSON that was missing, if the version still holds and the list still has the id. */
  abstract fill(userId: string, version: number, entries: CacheEntry[]): Promise<void>;
  /** Drops the user's list and bumps its version, so no rebuild under way can commit. */
  abstract invalidate(userId: string): Promise<void>;
  abstract beginRebuild(userId: string): Promise<Rebuild>;
  abstract stage(userId: string, rebuild: Rebuild, entries: CacheEntry[]): Promise<void>;
  /** True when committed; false when a write came in since the rebuild began. */
  abstract commit(userId: string, rebuild: Rebuild): Promise<boolean>;
  /** Remembers for a while that this list is too long to cache, unless a write came in. */
  abstract markTooLarge(userId: string, rebuild: Rebuild): Promise<void>;
}
