import { keySlot } from './key-slot';

describe(keySlot.name, () => {
  // Values from `redis-cli CLUSTER KEYSLOT <key>` (Redis 7.0).
  it.each([
    ['foo', 12182],
    ['bar', 5061],
    ['123456789', 12739],
    ['fav:{u:00000000-0000-4000-8000-000000000001}:z', 4785],
    ['rl:{AAAAAAAAAAAAAAAAAAAAAA}:w1', 4813],
  ])('puts %s in slot %i', (key, slot) => {
    expect(keySlot(key)).toBe(slot);
  });

  it('hashes only the hash tag when there is one', () => {
    const tag = 'u:1f0e';
    expect(keySlot(`fav:{${tag}}:z`)).toBe(keySlot(tag));
    expect(keySlot(`fav:{${tag}}:h:0123abcd`)).toBe(keySlot(`{${tag}}`));
  });

  it('hashes the whole key when the braces hold nothing or do not close', () => {
    // The first `{` decides: `{}{x}` is hashed whole, not by `x`.
    expect([keySlot('a{}b'), keySlot('{}{x}'), keySlot('a{bc')]).toEqual([13694, 3257, 13842]);
    expect(keySlot('{}{x}')).not.toBe(keySlot('x'));
  });
});
