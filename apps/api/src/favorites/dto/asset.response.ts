import { ApiProperty, IntersectionType, OmitType } from '@nestjs/swagger';

import { AssetType } from './asset.dto';
import { AudienceAssetDto, ChartAssetDto, InsightAssetDto } from './asset.dto';

class StoredFields {
  @ApiProperty({ minLength: 1, maxLength: 128 })
  id!: string;

  @ApiProperty({ maxLength: 1000 })
  description!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class ChartAsset extends IntersectionType(
  OmitType(ChartAssetDto, ['id', 'description']),
  StoredFields,
) {}
export class InsightAsset extends IntersectionType(
  OmitType(InsightAssetDto, ['id', 'description']),
  StoredFields,
) {}
export class AudienceAsset extends IntersectionType(
  OmitType(AudienceAssetDto, ['id', 'description']),
  StoredFields,
) {}

export const ASSET_RESPONSES: Record<AssetType, new () => object> = {
  chart: ChartAsset,
  insight: InsightAsset,
  audience: AudienceAsset,
};

/** A favourite as the API returns it: the asset's fields plus its timestamps. */
export type Asset = {
  id: string;
  type: AssetType;
  name: string;
  description: string;
  createdAt: string;
  updatedAt: string;
} & Record<string, unknown>;
