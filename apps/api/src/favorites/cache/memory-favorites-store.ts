import { randomBytes } from 'node:crypto';

import { CacheEntry, CachePosition, CacheRead, FavoritesStore, Rebuild } from './favorites-store';

interface Slot {
  score: number;
  id: string;
  json: string | null;
}

interface UserList {
  /** Newest first: score descending, then id descending by UTF-8 bytes (the database's order). */
  order: Slot[];
  byId: Map<string, Slot>;
}

/** Lists kept at once; the least recently used one goes cold beyond this. */
const MAX_LISTS = 10_000;
const TOO_LARGE_MS = 600_000;

/** Newest-first order: negative when `a` comes before `b`. */
function compareSlots(a: { score: number; id: string }, b: { score: number; id: string }): number {
  if (a.score !== b.score) return b.score - a.score;
  return Buffer.compare(Buffer.from(b.id), Buffer.from(a.id));
}

/** Index of the first slot that comes after `key` in newest-first order. */
function firstAfter(order: Slot[], key: { score: number; id: string }): number {
  let low = 0;
  let high = order.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareSlots(order[middle], key) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * FavoritesStore in process, for a single instance with no Redis (the embedded default). Same
 * rules as the Redis store: versions bumped by every write, rebuilds committed only when their
 * version still holds. Versions outlive evicted lists, so an eviction cannot make a stale rebuild
 * look current.
 */
export class MemoryFavoritesStore extends FavoritesStore {
  private readonly versions = new Map<string, number>();
  private readonly lists = new Map<string, UserList>();
  private readonly tooLargeUntil = new Map<string, number>();
  private readonly staged = new Map<string, Map<string, CacheEntry>>();

  read(userId: string, position: CachePosition, count: number): Promise<CacheRead> {
    if ((this.tooLargeUntil.get(userId) ?? 0) > Date.now()) return Promise.resolve('too-large');
    const list = this.lists.get(userId);
    if (!list) return Promise.resolve('cold');
    // Most recently used last.
    this.lists.delete(userId);
    this.lists.set(userId, list);
    const start =
      'offset' in position
        ? position.offset
        : firstAfter(list.order, {
            score: position.after.createdAt.getTime(),
            id: position.after.id,
          });
    const items = list.order
      .slice(start, start + count)
      .map(({ id, score, json }) => ({ id, score, json }));
    return Promise.resolve({ version: this.version(userId), total: list.order.length, items });
  }

  put(userId: string, entry: CacheEntry): Promise<void> {
    this.bump(userId);
    const list = this.lists.get(userId);
    if (list) {
      const existing = list.byId.get(entry.id);
      if (existing) existing.json = entry.json;
      else this.insert(list, { ...entry });
    }
    return Promise.resolve();
  }

  update(userId: string, entry: CacheEntry): Promise<void> {
    this.bump(userId);
    const slot = this.lists.get(userId)?.byId.get(entry.id);
    if (slot) slot.json = entry.json;
    return Promise.resolve();
  }

  remove(userId: string, id: string): Promise<void> {
    this.bump(userId);
    const list = this.lists.get(userId);
    const slot = list?.byId.get(id);
    if (list && slot) {
      list.byId.delete(id);
      list.order.splice(firstAfter(list.order, slot) - 1, 1);
    }
    return Promise.resolve();
  }

  fill(userId: string, version: number, entries: CacheEntry[]): Promise<void> {
    const list = this.lists.get(userId);
    if (!list || this.version(userId) !== version) return Promise.resolve();
    for (const entry of entries) {
      const slot = list.byId.get(entry.id);
      if (slot) slot.json = entry.json;
    }
    return Promise.resolve();
  }

  invalidate(userId: string): Promise<void> {
    this.bump(userId);
    this.lists.delete(userId);
    this.tooLargeUntil.delete(userId);
    return Promise.resolve();
  }

  beginRebuild(userId: string): Promise<Rebuild> {
    const token = randomBytes(8).toString('hex');
    this.staged.set(token, new Map());
    return Promise.resolve({ version: this.version(userId), token });
  }

  stage(_userId: string, rebuild: Rebuild, entries: CacheEntry[]): Promise<void> {
    const staged = this.staged.get(rebuild.token);
    if (!staged) return Promise.reject(new Error('unknown rebuild'));
    for (const entry of entries) staged.set(entry.id, entry);
    return Promise.resolve();
  }

  commit(userId: string, rebuild: Rebuild): Promise<boolean> {
    const staged = this.staged.get(rebuild.token);
    this.staged.delete(rebuild.token);
    if (!staged || this.version(userId) !== rebuild.version) return Promise.resolve(false);
    const order = [...staged.values()].map((e) => ({ ...e })).sort(compareSlots);
    this.lists.delete(userId);
    this.lists.set(userId, { order, byId: new Map(order.map((slot) => [slot.id, slot])) });
    this.tooLargeUntil.delete(userId);
    while (this.lists.size > MAX_LISTS) this.lists.delete(this.lists.keys().next().value!);
    return Promise.resolve(true);
  }

  markTooLarge(userId: string, rebuild: Rebuild): Promise<void> {
    this.staged.delete(rebuild.token);
    if (this.version(userId) === rebuild.version) {
      this.tooLargeUntil.set(userId, Date.now() + TOO_LARGE_MS);
    }
    return Promise.resolve();
  }

  private version(userId: string): number {
    return this.versions.get(userId) ?? 0;
  }

  private bump(userId: string): void {
    this.versions.set(userId, this.version(userId) + 1);
  }

  private insert(list: UserList, slot: Slot): void {
    list.order.splice(firstAfter(list.order, slot), 0, slot);
    list.byId.set(slot.id, slot);
  }
}
