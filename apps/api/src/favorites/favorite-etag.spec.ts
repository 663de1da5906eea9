import { favoriteETag, versionsNamedBy } from './favorite-etag';

const USER = '0b8f5a0e-6d4c-4c55-9a51-3f1c2f6e0a01';
const OTHER_USER = '7d1e2c3b-4a59-4f68-8e77-1a2b3c4d5e6f';

describe(favoriteETag.name, () => {
  it('is a strong tag carrying the version', () => {
    expect(favoriteETag(USER, 'chart-1', 42)).toMatch(/^"42-[\w-]{16}"$/);
  });

  it('differs by user, id and version', () => {
    const tags = new Set([
      favoriteETag(USER, 'chart-1', 1),
      favoriteETag(OTHER_USER, 'chart-1', 1),
      favoriteETag(USER, 'chart-2', 1),
      favoriteETag(USER, 'chart-1', 2),
    ]);
    expect(tags.size).toBe(4);
  });
});

describe(versionsNamedBy.name, () => {
  it("reads the versions of this favourite's tags", () => {
    const tags = [favoriteETag(USER, 'a', 3), favoriteETag(USER, 'a', 9_007_199_254)];

    expect(versionsNamedBy(USER, 'a', tags)).toEqual([3, 9_007_199_254]);
  });

  it("ignores another favourite's or user's tags, forged checks and other shapes", () => {
    const forged = favoriteETag(USER, 'a', 3).replace('"3-', '"4-');
    const tags = [
      favoriteETag(USER, 'b', 3),
      favoriteETag(OTHER_USER, 'a', 3),
      forged,
      '"3"',
      '"1234567890123456-aaaaaaaaaaaaaaaa"',
    ];

    expect(versionsNamedBy(USER, 'a', tags)).toEqual([]);
  });
});
