import { RequestValidationError, validateAs } from '@app/http';

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
});
