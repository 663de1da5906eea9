import { noneMatchFails, parseEntityTags, strongETag, strongTagsOf, withETag } from './entity-tags';

describe(parseEntityTags.name, () => {
  it('answers undefined without the header and * for a wildcard', () => {
    expect(parseEntityTags(undefined)).toBeUndefined();
    expect(parseEntityTags(' * ')).toBe('*');
  });

  it('reads a list of strong and weak tags, with or without spaces', () => {
    expect(parseEntityTags('"a",W/"b" ,  "c,d"')).toEqual([
      { weak: false, opaque: '"a"' },
      { weak: true, opaque: '"b"' },
      { weak: false, opaque: '"c,d"' },
    ]);
  });

  it('drops malformed members, which can match nothing', () => {
    expect(parseEntityTags('abc, "ok", w/"lower", "sp ace", ""')).toEqual([
      { weak: false, opaque: '"ok"' },
      { weak: false, opaque: '""' },
    ]);
  });

  it('joins repeated header lines into one list', () => {
    expect(parseEntityTags(['"a"', '"b"'])).toEqual([
      { weak: false, opaque: '"a"' },
      { weak: false, opaque: '"b"' },
    ]);
  });
});

describe(noneMatchFails.name, () => {
  it.each<[string | undefined, string, boolean]>([
    [undefined, '"x"', false],
    ['"x"', '"x"', true],
    ['W/"x"', '"x"', true],
    ['"x"', 'W/"x"', true],
    ['"y", "x"', '"x"', true],
    ['"y"', '"x"', false],
    ['*', '"x"', true],
    ['x', '"x"', false],
  ])('If-None-Match %p against %s: %p', (header, etag, expected) => {
    expect(noneMatchFails(header, etag)).toBe(expected);
  });
});

describe(strongTagsOf.name, () => {
  it('keeps only strong tags, since If-Match compares strongly', () => {
    expect(strongTagsOf(parseEntityTags('W/"a", "b"'))).toEqual(['"b"']);
    expect(strongTagsOf('*')).toBe('*');
    expect(strongTagsOf(undefined)).toBeUndefined();
  });
});

describe(strongETag.name, () => {
  it('is a quoted digest of the exact bytes', () => {
    expect(strongETag('{"a":1}')).toMatch(/^"[\w-]{27}"$/);
    expect(strongETag('{"a":1}')).toBe(strongETag(Buffer.from('{"a":1}')));
    expect(strongETag('{"a":1}')).not.toBe(strongETag('{"a": 1}'));
  });
});

describe(withETag.name, () => {
  it('sets the header and returns the value', () => {
    const reply = { header: jest.fn() };

    expect(withETag(reply as never, { etag: '"t"', value: 42 })).toBe(42);
    expect(reply.header).toHaveBeenCalledWith('etag', '"t"');
  });
});
