import { findUnstorableJson, MAX_JSON_DEPTH, unstorableTextReason } from './storable-json';

/** `levels` arrays nested inside each other, the innermost holding `leaf`. */
function nestedArrays(levels: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

describe(unstorableTextReason.name, () => {
  it('accepts ordinary text and a valid surrogate pair', () => {
    expect(unstorableTextReason('Weekly active users 😀')).toBeUndefined();
  });

  it('refuses NUL', () => {
    expect(unstorableTextReason('a\u0000b')).toBe('must not contain NUL characters');
  });

  it.each([
    ['a lone high surrogate', 'a\uD83D'],
    ['a lone low surrogate', '\uDE00b'],
    ['a pair in the wrong order', '\uDE00\uD83D'],
  ])('refuses %s', (_case, text) => {
    expect(unstorableTextReason(text)).toBe('must not contain unpaired surrogates');
  });
});

describe(findUnstorableJson.name, () => {
  it('accepts an ordinary document', () => {
    const body = {
      type: 'audience',
      name: 'UK millennials 😀',
      rules: { country: 'GB', age_groups: ['25-34', '65+'], age_min: 25, vip: null, ok: true },
      constructor: 'a plain string is harmless',
    };

    expect(findUnstorableJson(body)).toBeUndefined();
  });

  it('names the path of a NUL inside a nested value', () => {
    expect(findUnstorableJson({ rules: { age_min: 'a\u0000' } })).toEqual({
      field: 'rules.age_min',
      message: 'rules.age_min must not contain NUL characters',
    });
  });

  it('names array indexes in the path', () => {
    const body = { data: [{ x: 'a' }, { x: 'b' }, { x: 'c' }, { x: 'd\uD800' }] };

    expect(findUnstorableJson(body)).toEqual({
      field: 'data[3].x',
      message: 'data[3].x must not contain unpaired surrogates',
    });
  });

  it('reports a bad top-level string as the body', () => {
    expect(findUnstorableJson('\uDC00')).toEqual({
      field: '(body)',
      message: 'body must not contain unpaired surrogates',
    });
  });

  it('refuses NUL in a property name, naming the object that holds it', () => {
    expect(findUnstorableJson({ rules: { 'age\u0000min': 1 } })).toEqual({
      field: 'rules',
      message: 'a property name must not contain NUL characters',
    });
  });

  it('refuses a lone surrogate in a property name', () => {
    expect(findUnstorableJson({ '\uD83D': 1 })).toEqual({
      field: '(body)',
      message: 'a property name must not contain unpaired surrogates',
    });
  });

  it('refuses a __proto__ key as JSON.parse produces it', () => {
    const body: unknown = JSON.parse('{"rules": {"__proto__": {"isAdmin": true}}}');

    expect(findUnstorableJson(body)).toEqual({
      field: 'rules.__proto__',
      message: '__proto__ is not an allowed property name',
    });
  });

  it('refuses a constructor key holding an object', () => {
    const body: unknown = JSON.parse('{"constructor": {"prototype": {"isAdmin": true}}}');

    expect(findUnstorableJson(body)).toEqual({
      field: 'constructor',
      message: 'constructor is not an allowed property name',
    });
  });

  it(`accepts nesting of exactly ${MAX_JSON_DEPTH} levels`, () => {
    expect(findUnstorableJson(nestedArrays(MAX_JSON_DEPTH))).toBeUndefined();

    let objects: unknown = 'leaf';
    for (let i = 0; i < MAX_JSON_DEPTH; i++) objects = { a: objects };
    expect(findUnstorableJson(objects)).toBeUndefined();
  });

  it(`refuses nesting of ${MAX_JSON_DEPTH + 1} levels`, () => {
    expect(findUnstorableJson(nestedArrays(MAX_JSON_DEPTH + 1))).toEqual({
      field: '[0]'.repeat(MAX_JSON_DEPTH),
      message: `nesting deeper than ${MAX_JSON_DEPTH} levels`,
    });
  });

  it('refuses a 20,000-deep document without overflowing the stack', () => {
    const hostile: unknown = JSON.parse(`${'['.repeat(20_000)}${']'.repeat(20_000)}`);

    const check = () => findUnstorableJson(hostile);

    expect(check).not.toThrow();
    expect(check()).toEqual({
      field: '[0]'.repeat(MAX_JSON_DEPTH),
      message: `nesting deeper than ${MAX_JSON_DEPTH} levels`,
    });
  });
});
