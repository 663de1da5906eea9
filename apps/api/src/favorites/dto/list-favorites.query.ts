import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

import { ASSET_TYPES, AssetType } from './asset.dto';

export const DEFAULT_PAGE_LIMIT = 10;
export const MAX_PAGE_LIMIT = 1000;
export const MAX_PAGE = 1_000_000_000;

const DIGITS = /^\d+$/;

/**
 * Only plain digit strings become numbers. A negative, fractional, non-numeric, empty or
 * repeated (`?limit=1&limit=2`, an array) value stays as it came and fails @IsInt with a 400.
 */
const digitsToInt =
  (cap?: number) =>
  ({ value }: { value: unknown }) => {
    if (typeof value !== 'string' || !DIGITS.test(value)) return value;
    const n = Number(value);
    return cap === undefined ? n : Math.min(n, cap);
  };

export class ListFavoritesQueryDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_PAGE,
    default: 1,
    description: 'Offset paging; cost grows with the page number, prefer `cursor`',
  })
  @IsOptional()
  @Transform(digitsToInt())
  @IsInt({ message: 'page must be a positive integer' })
  @Min(1)
  @Max(MAX_PAGE)
  page?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_PAGE_LIMIT,
    default: DEFAULT_PAGE_LIMIT,
    description: `Page size; values above ${MAX_PAGE_LIMIT} are capped`,
  })
  @IsOptional()
  @Transform(digitsToInt(MAX_PAGE_LIMIT))
  @IsInt({ message: 'limit must be a positive integer' })
  @Min(1)
  limit?: number;

  @ApiPropertyOptional({
    description:
      'The `nextCursor` of the previous page (keyset paging); not combinable with `page`',
  })
  @IsOptional()
  @IsString()
  @Length(1, 512)
  cursor?: string;

  @ApiPropertyOptional({
    enum: ASSET_TYPES,
    description: 'Only favourites of this type; with `Accept: application/x-ndjson` only',
  })
  @IsOptional()
  @IsIn(ASSET_TYPES)
  type?: AssetType;
}
