import fc from 'fast-check';

import { RequestValidationError, validateAs } from '@app/http';

import { ASSET_TYPES } from './asset.dto';
import { ListFavoritesQueryDto, MAX_PAGE, MAX_PAGE_LIMIT } from './list-favorites.query';

describe(ListFavoritesQueryDto.name, () => {
  const validate = (query: Record<string, unknown>) => validateAs(ListFavoritesQueryDto, query);

  it('leaves absent parameters undefined', async () => {
    const query = await validate({});

    expect(query).toBeInstanceOf(ListFavoritesQueryDto);
    expect(query).toEqual({});
  });

  it('turns digit strings into numbers', async () => {
    await expect(validate({ page: '3', limit: '10' })).resolves.toEqual({ page: 3, limit: 10 });
  });

  it(`caps limit at ${MAX_PAGE_LIMIT}`, async () => {
    await expect(validate({ limit: '5000' })).resolves.toEqual({ limit: MAX_PAGE_LIMIT });
    await expect(validate({ limit: String(MAX_PAGE_LIMIT) })).resolves.toEqual({
      limit: MAX_PAGE_LIMIT,
    });
  });

  it(`accepts page ${MAX_PAGE} and refuses the next one`, async () => {
    await expect(validate({ page: String(MAX_PAGE) })).resolves.toEqual({ page: MAX_PAGE });

    const tooFar = validate({ page: String(MAX_PAGE + 1) });
    await expect(tooFar).rejects.toBeInstanceOf(RequestValidationError);
    await expect(tooFar).rejects.toMatchObject({ errors: [{ field: 'page' }] });
  });

  describe.each(['limit', 'page'])('%s', (field) => {
    it.each<[string, unknown]>([
      ['a negative number', '-1'],
      ['a fraction', '1.5'],
      ['a word', 'abc'],
      ['an empty string', ''],
      ['a repeated parameter', ['1', '2']],
      ['zero', '0'],
      ['a number with a sign', '+5'],
      ['a hex literal', '0x10'],
    ])('refuses %s', async (_case, value) => {
      const result = validate({ [field]: value });

      await expect(result).rejects.toBeInstanceOf(RequestValidationError);
      await expect(result).rejects.toMatchObject({
        errors: expect.arrayContaining([expect.objectContaining({ field })]),
      });
    });
  });

  it('accepts a cursor of 1 to 512 characters', async () => {
    await expect(validate({ cursor: 'abc.def' })).resolves.toEqual({ cursor: 'abc.def' });

    await expect(validate({ cursor: '' })).rejects.toBeInstanceOf(RequestValidationError);
    await expect(validate({ cursor: 'c'.repeat(513) })).rejects.toBeInstanceOf(
      RequestValidationError,
    );
  });

  it('refuses an unknown query parameter', async () => {
    const result = validate({ limit: '10', offset: '20' });

    await expect(result).rejects.toBeInstanceOf(RequestValidationError);
    await expect(result).rejects.toMatchObject({
      errors: [{ field: 'offset', message: 'property offset should not exist' }],
    });
  });

  describe('parseValid (the fast path)', () => {
    it('takes the common queries', () => {
      expect(ListFavoritesQueryDto.parseValid({})).toEqual({});
      expect(ListFavoritesQueryDto.parseValid({ limit: '20' })).toEqual({ limit: 20 });
      expect(ListFavoritesQueryDto.parseValid({ page: '3', limit: '5000' })).toEqual({
        page: 3,
        limit: MAX_PAGE_LIMIT,
      });
      const cursor = 'WzE3MzU2ODk2MDAwMDAsImEiXQ.q0sUo0qSLJ5Wb0Ph3Jc0dQ';
      const query = ListFavoritesQueryDto.parseValid({ cursor, limit: '20', type: 'chart' });
      expect(query).toBeInstanceOf(ListFavoritesQueryDto);
      expect(query).toEqual({ cursor, limit: 20, type: 'chart' });
    });

    it('leaves anything unusual to the decorators', () => {
      for (const query of [
        { limit: '0' },
        { page: String(MAX_PAGE + 1) },
        { limit: ['1', '2'] },
        { cursor: '' },
        { cursor: 'c'.repeat(513) },
        { cursor: 'caf\u00e9' },
        { type: 'Chart' },
        { offset: '1' },
        null,
        ['limit'],
      ]) {
        expect(ListFavoritesQueryDto.parseValid(query)).toBeUndefined();
      }
    });

    it('agrees with the decorators on any query it takes', async () => {
      const digits = fc.stringMatching(/^\d{1,12}$/);
      const edges = fc.constantFrom(
        '0',
        '1',
        '-1',
        '1.5',
        '',
        '+5',
        '0x10',
        ' 7',
        '007',
        String(MAX_PAGE_LIMIT),
        String(MAX_PAGE_LIMIT + 1),
        String(MAX_PAGE),
        String(MAX_PAGE + 1),
        '9'.repeat(400),
        'c'.repeat(512),
        'c'.repeat(513),
        ...ASSET_TYPES,
        'Chart',
      );
      const value = fc.oneof(
        digits,
        edges,
        fc.string({ maxLength: 40 }),
        fc.string({ unit: 'binary', maxLength: 8 }),
        fc.array(fc.oneof(digits, edges), { minLength: 2, maxLength: 2 }),
      );
      const query = fc.dictionary(
        fc.constantFrom('page', 'limit', 'cursor', 'type', 'offset'),
        value,
        { maxKeys: 4 },
      );
      await fc.assert(
        fc.asyncProperty(query, async (plain) => {
          const fast = ListFavoritesQueryDto.parseValid(plain);
          if (fast === undefined) return;
          const slow = await validate(plain);
          expect(fast).toBeInstanceOf(ListFavoritesQueryDto);
          expect(fast).toStrictEqual(slow);
        }),
        { numRuns: 2000 },
      );
    });
  });
});
