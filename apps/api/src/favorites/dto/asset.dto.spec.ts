import { RequestValidationError, validateAs } from '@app/http';

import { ChartAssetDto, InsightAssetDto } from './asset.dto';

describe(InsightAssetDto.name, () => {
  const insight = { type: 'insight', name: 'Social media', content: '40% spend 3h+ a day' };
  const validate = (body: Record<string, unknown>) => validateAs(InsightAssetDto, body);

  /** Expects a rejection that names `field`, and no other field. */
  async function expectFieldRefused(body: Record<string, unknown>, field: string) {
    const error: unknown = await validate(body).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RequestValidationError);
    const fields = (error as RequestValidationError).errors.map((e) => e.field);
    expect(new Set(fields)).toEqual(new Set([field]));
  }

  it('accepts every field at its maximum length', async () => {
    const body = {
      ...insight,
      id: 'i'.repeat(128),
      name: 'n'.repeat(200),
      description: 'd'.repeat(1000),
      content: 'c'.repeat(1000),
    };

    await expect(validate(body)).resolves.toEqual(body);
  });

  it('refuses content over 1000 characters, and empty content', async () => {
    await expectFieldRefused({ ...insight, content: 'c'.repeat(1001) }, 'content');
    await expectFieldRefused({ ...insight, content: '' }, 'content');
  });

  it('refuses a name of 201 characters, and an empty name', async () => {
    await expectFieldRefused({ ...insight, name: 'n'.repeat(201) }, 'name');
    await expectFieldRefused({ ...insight, name: '' }, 'name');
  });

  it('refuses an id of 129 characters, and an empty id', async () => {
    await expectFieldRefused({ ...insight, id: 'i'.repeat(129) }, 'id');
    await expectFieldRefused({ ...insight, id: '' }, 'id');
  });

  it('counts id length in code points, as PostgreSQL does (variation selectors included)', async () => {
    await expectFieldRefused({ ...insight, id: '\u2764\uFE0F'.repeat(100) }, 'id');
    await expectFieldRefused({ ...insight, id: 'a\uFE0F' + 'b'.repeat(127) }, 'id');
    await expect(
      validateAs(InsightAssetDto, { ...insight, id: '\u2764\uFE0F'.repeat(64) }),
    ).resolves.toBeInstanceOf(InsightAssetDto);
  });

  it('refuses a description over 1000 characters', async () => {
    await expectFieldRefused({ ...insight, description: 'd'.repeat(1001) }, 'description');
  });

  it('refuses a non-string content', async () => {
    await expectFieldRefused({ ...insight, content: 42 }, 'content');
  });
});

describe(ChartAssetDto.name, () => {
  it('reports the first bad point in the message of field data', async () => {
    const result = validateAs(ChartAssetDto, {
      type: 'chart',
      name: 'n',
      data: [
        { x: 'a', y: 1 },
        { x: 'b', y: 'two' },
      ],
    });

    await expect(result).rejects.toBeInstanceOf(RequestValidationError);
    await expect(result).rejects.toMatchObject({
      errors: [{ field: 'data', message: 'data[1].y must be a number' }],
    });
  });

  it('requires data', async () => {
    const result = validateAs(ChartAssetDto, { type: 'chart', name: 'n' });

    await expect(result).rejects.toMatchObject({
      errors: [expect.objectContaining({ field: 'data' })],
    });
  });
});
