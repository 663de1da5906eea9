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

/** What the fast path takes as a cursor: printable ASCII (a cursor is base64url and a dot). */
const PLAIN_CURSOR = /^[\x20-\x7e]{1,512}$/;

const positiveIntOf = (value: unknown, max: number): number | undefined => {
  if (typeof value !== 'string' || !DIGITS.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && n <= max ? n : undefined;
};

/** The list query; the global pipe tries its fast path first (FastValidated in @app/http). */
export class ListFavoritesQueryDto {
  /**
   * The decorators' outcome for a valid query, without class-transformer and class-validator:
   * they took about a tenth of a cached page's CPU (docs/PERFORMANCE.md). Undefined for any other
   * query (unknown or invalid fields, a cursor that is not printable ASCII), which the decorators
   * then check and answer; list-favorites.query.spec.ts checks both agree on any query.
   */
  static parseValid(plain: unknown): ListFavoritesQueryDto | undefined {
    if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) return undefined;
    const query = new ListFavoritesQueryDto();
    for (const [key, value] of Object.entries(plain)) {
      if (key === 'page') {
        const page = positiveIntOf(value, MAX_PAGE);
        if (page === undefined) return undefined;
        query.page = page;
      } else if (key === 'limit') {
        // Above the cap is valid: the transform caps it.
        const limit = positiveIntOf(value, Number.MAX_VALUE);
        if (limit === undefined) return undefined;
        query.limit = Math.min(limit, MAX_PAGE_LIMIT);
      } else if (key === 'cursor') {
        if (typeof value !== 'string' || !PLAIN_CURSOR.test(value)) return undefined;
        query.cursor = value;
      } else if (key === 'type') {
        if (typeof value !== 'string' || !(ASSET_TYPES as readonly string[]).includes(value)) {
          return undefined;
        }
        query.type = value as AssetType;
      } else {
        return undefined;
      }
    }
    return query;
  }

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
