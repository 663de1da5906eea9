import { RequestValidationError } from '@app/http';

import { AssetIdPipe } from './asset-id.pipe';

describe(AssetIdPipe.name, () => {
  let sut: AssetIdPipe;

  beforeEach(() => {
    sut = new AssetIdPipe();
  });

  function errorOf(id: unknown): unknown {
    try {
      sut.transform(id);
    } catch (error) {
      return error;
    }
    return undefined;
  }

  it('accepts a one-character id', () => {
    expect(sut.transform('a')).toBe('a');
  });

  it('counts code points, so 128 emoji (256 UTF-16 units) are accepted', () => {
    const id = '😀'.repeat(128);
    expect(id).toHaveLength(256);

    expect(sut.transform(id)).toBe(id);
  });

  it.each<[string, unknown]>([
    ['an empty id', ''],
    ['129 characters', 'a'.repeat(129)],
    ['129 emoji', '😀'.repeat(129)],
    ['a non-string', 42],
    ['undefined', undefined],
  ])('refuses %s as too short or too long', (_case, id) => {
    const error = errorOf(id);

    expect(error).toBeInstanceOf(RequestValidationError);
    expect(error).toMatchObject({
      errors: [{ field: 'id', message: 'id must be 1 to 128 characters long' }],
    });
  });

  it.each([
    ['a NUL character', 'a\u0000b', 'must not contain NUL characters'],
    ['a lone high surrogate', 'a\uD83D', 'must not contain unpaired surrogates'],
    ['a lone low surrogate', '\uDE00a', 'must not contain unpaired surrogates'],
  ])('refuses %s', (_case, id, message) => {
    const error = errorOf(id);

    expect(error).toBeInstanceOf(RequestValidationError);
    expect(error).toMatchObject({ errors: [{ field: 'id', message }] });
  });
});
