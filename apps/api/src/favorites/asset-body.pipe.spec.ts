import { RequestValidationError } from '@app/http';

import { AssetBodyPipe } from './asset-body.pipe';
import { AudienceAssetDto, ChartAssetDto, InsightAssetDto } from './dto/asset.dto';
import { AudienceRulesDto } from './dto/audience-rules.dto';

describe(AssetBodyPipe.name, () => {
  let sut: AssetBodyPipe;

  beforeEach(() => {
    sut = new AssetBodyPipe();
  });

  it('validates a chart as ChartAssetDto and keeps its fields', async () => {
    const body = {
      type: 'chart',
      id: 'chart-1',
      name: 'Weekly active users',
      description: 'All platforms',
      x_axis: 'Week',
      y_axis: 'Users',
      data: [
        { x: '2026-W47', y: 1234 },
        { x: 48, y: 1300.5 },
      ],
    };

    const asset = await sut.transform(body);

    expect(asset).toBeInstanceOf(ChartAssetDto);
    expect(asset).toEqual(body);
  });

  it('validates an insight as InsightAssetDto and keeps its fields', async () => {
    const body = { type: 'insight', name: 'Social media', content: '40% spend 3h+ a day' };

    const asset = await sut.transform(body);

    expect(asset).toBeInstanceOf(InsightAssetDto);
    expect(asset).toEqual(body);
  });

  it('validates an audience as AudienceAssetDto with typed rules', async () => {
    const body = {
      type: 'audience',
      name: 'UK millennials',
      rules: {
        country: 'GB',
        gender: 'female',
        age_min: 25,
        age_max: 34,
        age_groups: ['25-34'],
        social_media_hours_min: 2.5,
        purchases_last_month_min: 3,
      },
    };

    const asset = await sut.transform(body);

    expect(asset).toBeInstanceOf(AudienceAssetDto);
    expect((asset as AudienceAssetDto).rules).toBeInstanceOf(AudienceRulesDto);
    expect(asset).toEqual(body);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'chart'],
    ['a number', 42],
    ['an array', [{ type: 'chart' }]],
  ])('refuses %s as the body', async (_case, body) => {
    const result = sut.transform(body);

    await expect(result).rejects.toBeInstanceOf(RequestValidationError);
    await expect(result).rejects.toMatchObject({
      errors: [{ field: '(body)', message: 'body must be a JSON object' }],
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['an unknown type', { type: 'video', name: 'n' }],
    ['a missing type', { name: 'n', content: 'c' }],
    ['a non-string type', { type: ['chart'], name: 'n' }],
    ['an inherited property name as type', { type: 'constructor', name: 'n' }],
  ])('refuses %s before looking at other fields', async (_case, body) => {
    const result = sut.transform(body);

    await expect(result).rejects.toBeInstanceOf(RequestValidationError);
    await expect(result).rejects.toMatchObject({
      errors: [{ field: 'type', message: 'type must be one of: chart, insight, audience' }],
    });
  });

  it('refuses a field of another asset type', async () => {
    const result = sut.transform({ type: 'insight', name: 'n', content: 'c', data: [] });

    await expect(result).rejects.toBeInstanceOf(RequestValidationError);
    await expect(result).rejects.toMatchObject({
      errors: [{ field: 'data', message: 'property data should not exist' }],
    });
  });

  it('refuses an unknown field, and one inside audience rules', async () => {
    const result = sut.transform({
      type: 'audience',
      name: 'n',
      userId: 'someone-else',
      rules: { country: 'GB', isAdmin: true },
    });

    await expect(result).rejects.toBeInstanceOf(RequestValidationError);
    await expect(result).rejects.toMatchObject({
      errors: expect.arrayContaining([
        { field: 'userId', message: 'property userId should not exist' },
        { field: 'rules.isAdmin', message: 'property isAdmin should not exist' },
      ]),
    });
  });
});
