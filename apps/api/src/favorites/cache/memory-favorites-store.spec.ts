import { CachedSlice, CacheEntry } from './favorites-store';
import { MemoryFavoritesStore } from './memory-favorites-store';

const USER = 'user-1';
const entry = (id: string, score: number): CacheEntry => ({ id, score, json: `{"id":"${id}"}` });
const ids = (read: unknown) => (read as CachedSlice).items.map((item) => item.id);

describe(MemoryFavoritesStore.name, () => {
  let store: MemoryFavoritesStore;

  beforeEach(() => {
    store = new MemoryFavoritesStore();
  });

  async function warm(entries: CacheEntry[]) {
    const rebuild = await store.beginRebuild(USER);
    await store.stage(USER, rebuild, entries);
    expect(await store.commit(USER, rebuild)).toBe(true);
  }

  it('reads cold until a rebuild commits', async () => {
    expect(await store.read(USER, { offset: 0 }, 10)).toBe('cold');
    await warm([entry('a', 1)]);
    expect(ids(await store.read(USER, { offset: 0 }, 10))).toEqual(['a']);
  });

  it('orders newest first, equal times by id bytes descending, as the database does', async () => {
    // 'é' (C3 A9 in UTF-8) sorts after 'z' by bytes; U+FFFD (EF BF BD) sorts after an emoji by
    // UTF-16 units (FFFD > D83D) but before it by UTF-8 bytes (EF < F0).
    await warm([
      entry('a', 5),
      entry('z', 5),
      entry('é', 5),
      entry('\uFFFD', 5),
      entry('😀', 5),
      entry('old', 1),
      entry('new', 9),
    ]);
    expect(ids(await store.read(USER, { offset: 0 }, 10))).toEqual([
      'new',
      '😀',
      '\uFFFD',
      'é',
      'z',
      'a',
      'old',
    ]);
  });

  it('pages after a cursor position that is no longer in the list', async () => {
    await warm([entry('d', 4), entry('c', 3), entry('b2', 2), entry('b1', 2), entry('a', 1)]);
    const after = { createdAt: new Date(2), id: 'b15' }; // between b2 and b1
    const page = await store.read(USER, { after }, 10);
    expect(ids(page)).toEqual(['b1', 'a']);
    expect((page as CachedSlice).total).toBe(5);
  });

  it('discards a rebuild when a write came in after it began', async () => {
    await warm([entry('a', 1), entry('b', 2)]);
    const rebuild = await store.beginRebuild(USER);
    await store.stage(USER, rebuild, [entry('a', 1), entry('b', 2)]);
    await store.remove(USER, 'b'); // committed to the database while the rebuild read it
    expect(await store.commit(USER, rebuild)).toBe(false);
    expect(ids(await store.read(USER, { offset: 0 }, 10))).toEqual(['a']);
  });

  it('applies writes to a warm list and fills JSON only while the version holds', async () => {
    await warm([entry('a', 1)]);
    await store.put(USER, entry('b', 2));
    await store.update(USER, { ...entry('a', 1), json: '{"id":"a","edited":true}' });
    const read = (await store.read(USER, { offset: 0 }, 10)) as CachedSlice;
    expect(read.items).toEqual([
      { id: 'b', score: 2, json: '{"id":"b"}' },
      { id: 'a', score: 1, json: '{"id":"a","edited":true}' },
    ]);
    await store.fill(USER, read.version - 1, [{ ...entry('a', 1), json: 'stale' }]);
    const again = (await store.read(USER, { offset: 0 }, 10)) as CachedSlice;
    expect(again.items[1].json).toBe('{"id":"a","edited":true}');
  });

  it('keeps versions across invalidation, so an older rebuild cannot commit after it', async () => {
    await warm([entry('a', 1)]);
    const rebuild = await store.beginRebuild(USER);
    await store.invalidate(USER);
    expect(await store.read(USER, { offset: 0 }, 10)).toBe('cold');
    expect(await store.commit(USER, rebuild)).toBe(false);
  });

  it('remembers a list too large to cache unless a write came in', async () => {
    const rebuild = await store.beginRebuild(USER);
    await store.markTooLarge(USER, rebuild);
    expect(await store.read(USER, { offset: 0 }, 10)).toBe('too-large');
    const late = await store.beginRebuild(USER);
    await store.put(USER, entry('x', 1));
    await store.invalidate(USER);
    await store.markTooLarge(USER, late);
    expect(await store.read(USER, { offset: 0 }, 10)).toBe('cold');
  });
});
