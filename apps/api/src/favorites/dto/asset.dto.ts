import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Equals,
  IsObject,
  IsOptional,
  IsString,
  Length,
  MaxLength,
  ValidateNested,
} from 'class-validator';

import { CodePointLength } from '@app/http';

import { AudienceRulesDto } from './audience-rules.dto';
import { IsChartPoints, MAX_CHART_POINTS } from './chart-points.validator';

export const ASSET_TYPES = ['chart', 'insight', 'audience'] as const;
export type AssetType = (typeof ASSET_TYPES)[number];

/** Fields every asset has. `id` is the asset's own id: several users may favourite it. */
abstract class AssetFieldsDto {
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 128,
    description: 'Generated (UUID) when absent',
  })
  @IsOptional()
  @IsString()
  @CodePointLength(1, 128)
  id?: string;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Weekly active users' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiPropertyOptional({ maxLength: 1000, default: '' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string;
}

export class ChartPointDto {
  @ApiProperty({
    oneOf: [{ type: 'string', maxLength: 200 }, { type: 'number' }],
    example: '2026-W47',
  })
  x!: string | number;

  @ApiProperty({ example: 1234 })
  y!: number;
}

export class ChartAssetDto extends AssetFieldsDto {
  @ApiProperty({ enum: ['chart'] })
  @Equals('chart')
  type!: 'chart';

  @ApiPropertyOptional({ maxLength: 200, description: 'X axis title', example: 'Week' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  x_axis?: string;

  @ApiPropertyOptional({ maxLength: 200, description: 'Y axis title', example: 'Users' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  y_axis?: string;

  @ApiProperty({ type: [ChartPointDto], maxItems: MAX_CHART_POINTS })
  @IsChartPoints()
  data!: ChartPointDto[];
}

export class InsightAssetDto extends AssetFieldsDto {
  @ApiProperty({ enum: ['insight'] })
  @Equals('insight')
  type!: 'insight';

  @ApiProperty({
    minLength: 1,
    maxLength: 1000,
    example: '40% of millennials spend 3h+ on social media',
  })
  @IsString()
  @Length(1, 1000)
  content!: string;
}

export class AudienceAssetDto extends AssetFieldsDto {
  @ApiProperty({ enum: ['audience'] })
  @Equals('audience')
  type!: 'audience';

  @ApiProperty({ type: AudienceRulesDto })
  @IsObject()
  @ValidateNested()
  @Type(() => AudienceRulesDto)
  rules!: AudienceRulesDto;
}

export type CreateAssetDto = ChartAssetDto | InsightAssetDto | AudienceAssetDto;

export const ASSET_DTOS: Record<AssetType, new () => CreateAssetDto> = {
  chart: ChartAssetDto,
  insight: InsightAssetDto,
  audience: AudienceAssetDto,
};

/** OpenAPI `oneOf` over the given per-type schemas, discriminated by `type`. */
export function assetUnionSchema(models: Record<AssetType, new () => object>) {
  return {
    oneOf: ASSET_TYPES.map((t) => ({ $ref: getSchemaPath(models[t]) })),
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(ASSET_TYPES.map((t) => [t, getSchemaPath(models[t])])),
    },
  };
}
