import { InvalidIdempotencyKeyError } from './idempotency.errors';
import { canonicalJson, parseIdempotencyKey, requestFingerprint } from './idempotent-request';

describe(parseIdempotencyKey.name, () => {
  it('accepts 1 to 255 printable ASCII characters, and no header', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(parseIdempotencyKey('a')).toBe('a');
    expect(parseIdempotencyKey('order 42: {retry} ~ok')).toBe('order 42: {retry} ~ok');
    expect(parseIdempotencyKey('k'.repeat(255))).toBe('k'.repeat(255));
  });

  it.each<[string, string | string[]]>([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['a control character', 'a\tb'],
    ['DEL', 'a\x7fb'],
    ['non-ASCII', 'clé'],
    ['two values', ['a', 'b']],
  ])('refuses %s', (_what, header) => {
    expect(() => parseIdempotencyKey(header)).toThrow(InvalidIdempotencyKeyError);
  });
});

describe(canonicalJson.name, () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('reads an absent body as null', () => {
    expect(canonicalJson(undefined)).toBe('null');
  });
});

describe(requestFingerprint.name, () => {
  it('is the same for bodies that differ only in key order', () => {
    expect(requestFingerprint('POST', '/favorites', { a: 1, b: [1, 2] })).toBe(
      requestFingerprint('post', '/favorites', JSON.parse('{ "b": [1, 2], "a": 1.0 }')),
    );
  });

  it('differs by body, method and target', () => {
    const base = requestFingerprint('POST', '/favorites', { a: 1 });

    expect(requestFingerprint('POST', '/favorites', { a: 2 })).not.toBe(base);
    expect(requestFingerprint('PUT', '/favorites', { a: 1 })).not.toBe(base);
    expect(requestFingerprint('POST', '/favorites?x=1', { a: 1 })).not.toBe(base);
    expect(requestFingerprint('POST', '/favorites', [{ a: 1 }])).not.toBe(base);
  });
});
