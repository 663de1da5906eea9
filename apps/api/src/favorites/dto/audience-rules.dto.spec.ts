import { FieldError, RequestValidationError, validateAs } from '@app/http';

import { AudienceAssetDto } from './asset.dto';
import { AudienceRulesDto } from './audience-rules.dto';

describe(AudienceRulesDto.name, () => {
  /** Rules are validated as part of an audience body, the way a client sends them. */
  const validate = (rules: Record<string, unknown>) =>
    validateAs(AudienceAssetDto, { type: 'audience', name: 'Audience', rules });

  async function expectRefused(rules: Record<string, unknown>, error: Partial<FieldError>) {
    const result = validate(rules);
    await expect(result).rejects.toBeInstanceOf(RequestValidationError);
    await expect(result).rejects.toMatchObject({
      errors: expect.arrayContaining([expect.objectContaining(error)]),
    });
  }

  it('upper-cases the country code', async () => {
    const asset = await validate({ country: 'gb' });

    expect(asset.rules.country).toBe('GB');
  });

  it('refuses a country that is not ISO 3166-1 alpha-2', async () => {
    await expectRefused(
      { country: 'XX' },
      { field: 'rules.country', message: 'country must be an ISO 3166-1 alpha-2 code' },
    );
    await expectRefused({ country: 'GBR' }, { field: 'rules.country' });
  });

  it('requires a country', async () => {
    await expectRefused({ gender: 'male' }, { field: 'rules.country' });
  });

  it('accepts age_max equal to age_min', async () => {
    await expect(validate({ country: 'GB', age_min: 30, age_max: 30 })).resolves.toBeInstanceOf(
      AudienceAssetDto,
    );
  });

  it('refuses age_max below age_min', async () => {
    await expectRefused(
      { country: 'GB', age_min: 35, age_max: 34 },
      { field: 'rules.age_max', message: 'age_max must not be less than age_min' },
    );
  });

  it.each([-1, 121, 30.5])('refuses age_min %p', async (age) => {
    await expectRefused({ country: 'GB', age_min: age }, { field: 'rules.age_min' });
  });

  it('accepts age groups like "25-34" and "65+"', async () => {
    const asset = await validate({ country: 'GB', age_groups: ['25-34', '65+'] });

    expect(asset.rules.age_groups).toEqual(['25-34', '65+']);
  });

  it.each(['25to34', '65', '25-', '1234-1'])('refuses the age group %p', async (group) => {
    await expectRefused(
      { country: 'GB', age_groups: ['18-24', group] },
      { field: 'rules.age_groups', message: 'each age group must look like "25-34" or "65+"' },
    );
  });

  it('refuses repeated age groups', async () => {
    await expectRefused(
      { country: 'GB', age_groups: ['18-24', '18-24'] },
      { field: 'rules.age_groups' },
    );
  });

  it('refuses an unknown gender', async () => {
    await expectRefused({ country: 'GB', gender: 'other' }, { field: 'rules.gender' });
  });

  it('refuses rules that are not an object', async () => {
    await expectRefused(['GB'] as unknown as Record<string, unknown>, { field: 'rules' });
  });
});
