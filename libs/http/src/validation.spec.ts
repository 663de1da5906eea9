import { ArgumentMetadata, ValidationError } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsNumber, IsString, Min, ValidateNested } from 'class-validator';

import { RequestValidationError } from './domain-error';
import { createValidationPipe, flattenValidationErrors, validateAs } from './validation';

class PointDto {
  @IsNumber()
  y!: number;
}

class RulesDto {
  @IsInt()
  @Min(0)
  age_min!: number;
}

class SampleDto {
  @IsString()
  name!: string;

  @ValidateNested()
  @Type(() => RulesDto)
  rules!: RulesDto;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => PointDto)
  data!: PointDto[];
}

const valid = { name: 'n', rules: { age_min: 18 }, data: [{ y: 1 }, { y: 2 }] };

describe(flattenValidationErrors.name, () => {
  it('joins nested properties with dots and array indexes with brackets', () => {
    const errors: ValidationError[] = [
      { property: 'name', constraints: { isString: 'name must be a string' } },
      {
        property: 'rules',
        children: [
          {
            property: 'age_min',
            constraints: { isInt: 'age_min must be an integer', min: 'age_min must be >= 0' },
          },
        ],
      },
      {
        property: 'data',
        children: [
          {
            property: '3',
            children: [{ property: 'y', constraints: { isNumber: 'y must be a number' } }],
          },
        ],
      },
    ];

    expect(flattenValidationErrors(errors)).toEqual([
      { field: 'name', message: 'name must be a string' },
      { field: 'rules.age_min', message: 'age_min must be an integer' },
      { field: 'rules.age_min', message: 'age_min must be >= 0' },
      { field: 'data[3].y', message: 'y must be a number' },
    ]);
  });

  it('gives an index at the top level no leading dot', () => {
    const errors: ValidationError[] = [
      { property: '0', constraints: { isObject: 'must be an object' } },
    ];

    expect(flattenValidationErrors(errors)).toEqual([
      { field: '[0]', message: 'must be an object' },
    ]);
  });
});

describe(validateAs.name, () => {
  it('returns an instance of the type, nested values included', async () => {
    const result = await validateAs(SampleDto, valid);

    expect(result).toBeInstanceOf(SampleDto);
    expect(result.rules).toBeInstanceOf(RulesDto);
    expect(result.data[1]).toBeInstanceOf(PointDto);
    expect(result).toEqual(valid);
  });

  it('throws RequestValidationError with the path of every bad field', async () => {
    const result = validateAs(SampleDto, {
      name: 1,
      rules: { age_min: -1 },
      data: [{ y: 1 }, { y: 'one' }],
    });

    await expect(result).rejects.toBeInstanceOf(RequestValidationError);
    await expect(result).rejects.toMatchObject({
      errors: [
        { field: 'name', message: 'name must be a string' },
        { field: 'rules.age_min', message: 'age_min must not be less than 0' },
        { field: 'data[1].y', message: expect.stringContaining('y must be a number') },
      ],
    });
  });

  it('forbids unknown properties, at the top level and nested', async () => {
    const result = validateAs(SampleDto, {
      ...valid,
      isAdmin: true,
      rules: { age_min: 1, extra: 1 },
    });

    await expect(result).rejects.toBeInstanceOf(RequestValidationError);
    await expect(result).rejects.toMatchObject({
      errors: expect.arrayContaining([
        { field: 'isAdmin', message: 'property isAdmin should not exist' },
        { field: 'rules.extra', message: 'property extra should not exist' },
      ]),
    });
  });
});

/** A DTO whose fast path takes only `{ n: '1' }`. */
class FastDto {
  @IsInt()
  n!: number;

  static parseValid(plain: unknown): FastDto | undefined {
    if ((plain as { n?: unknown }).n !== '1') return undefined;
    return Object.assign(new FastDto(), { n: 1 });
  }
}

describe(createValidationPipe.name, () => {
  const sut = createValidationPipe();
  const query = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({
    type: 'query',
    metatype,
  });

  it("passes a custom decorator's value as it is, with no promise", () => {
    const user = { id: 'user-1' };

    expect(sut.transform(user, { type: 'custom', metatype: Object })).toBe(user);
  });

  it("answers with a DTO's fast path when it takes the value", async () => {
    const result = await sut.transform({ n: '1' }, query(FastDto));

    expect(result).toBeInstanceOf(FastDto);
    expect(result).toEqual({ n: 1 });
  });

  it('checks with the decorators when the fast path declines', async () => {
    await expect(sut.transform({ n: 'x' }, query(FastDto))).rejects.toMatchObject({
      errors: [{ field: 'n', message: 'n must be an integer number' }],
    });
  });

  it('checks a DTO without a fast path with the decorators', async () => {
    await expect(
      sut.transform({ y: 'x' }, { type: 'body', metatype: PointDto }),
    ).rejects.toBeInstanceOf(RequestValidationError);
  });
});
