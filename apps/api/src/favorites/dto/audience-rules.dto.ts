import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsISO31661Alpha2,
  IsNumber,
  IsOptional,
  Matches,
  Max,
  Min,
  registerDecorator,
  ValidationArguments,
} from 'class-validator';

export const GENDERS = ['male', 'female'] as const;

/** `age_max` must not be below `age_min` when both are given. */
function IsNotBelow(other: string): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isNotBelow',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [other],
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const min = (args.object as Record<string, unknown>)[other];
          return typeof value !== 'number' || typeof min !== 'number' || value >= min;
        },
        defaultMessage: (args) => `${args?.property} must not be less than ${other}`,
      },
    });
}

/** Audience targeting rules; field names as in the Go service. */
export class AudienceRulesDto {
  @ApiProperty({ description: 'Birth country, ISO 3166-1 alpha-2', example: 'GB' })
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.toUpperCase() : value,
  )
  @IsISO31661Alpha2({ message: 'country must be an ISO 3166-1 alpha-2 code' })
  country!: string;

  @ApiPropertyOptional({ enum: GENDERS })
  @IsOptional()
  @IsIn(GENDERS)
  gender?: (typeof GENDERS)[number];

  @ApiPropertyOptional({ minimum: 0, maximum: 120, example: 18 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(120)
  age_min?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 120, example: 34 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(120)
  @IsNotBelow('age_min')
  age_max?: number;

  @ApiPropertyOptional({ type: [String], example: ['18-24', '25-34'], maxItems: 20 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @Matches(/^(\d{1,3}-\d{1,3}|\d{1,3}\+)$/, {
    each: true,
    message: 'each age group must look like "25-34" or "65+"',
  })
  age_groups?: string[];

  @ApiPropertyOptional({ minimum: 0, maximum: 24, example: 2.5 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(24)
  social_media_hours_min?: number;

  @ApiPropertyOptional({ minimum: 0, example: 3 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  purchases_last_month_min?: number;
}
