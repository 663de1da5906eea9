import { applyDecorators } from '@nestjs/common';
import {
  ApiBody,
  ApiExtraModels,
  ApiHeader,
  ApiResponse,
  ApiResponseNoStatusOptions,
  getSchemaPath,
} from '@nestjs/swagger';

import { NDJSON } from '@app/http';

import { ASSET_DTOS, assetUnionSchema } from './dto/asset.dto';
import { ASSET_RESPONSES } from './dto/asset.response';
import { FavoritesPageDto } from './dto/favorites-page.dto';

/** OpenAPI for the Asset union: `oneOf` the three asset types, discriminated by `type`. */
export const ApiAssetBody = () =>
  applyDecorators(
    ApiExtraModels(...Object.values(ASSET_DTOS)),
    ApiBody({ schema: assetUnionSchema(ASSET_DTOS) }),
  );

type HeadersObject = NonNullable<ApiResponseNoStatusOptions['headers']>;

const ETAG_HEADER: HeadersObject = {
  ETag: {
    description: 'Strong entity tag of this representation; send it in If-None-Match or If-Match',
    schema: { type: 'string', example: '"42-mYQ0bTf2mJ8sXl1c"' },
  },
};

const CREATED_HEADERS: HeadersObject = {
  ...ETAG_HEADER,
  Location: {
    description: 'The new favourite',
    schema: { type: 'string', example: '/favorites/chart-1' },
  },
  'Idempotent-Replayed': {
    description:
      'Present (`true`) when this is the stored answer to an earlier request with the same Idempotency-Key',
    schema: { type: 'string', enum: ['true'] },
  },
};

export const ApiAssetResponse = (status: 200 | 201) =>
  applyDecorators(
    ApiExtraModels(...Object.values(ASSET_RESPONSES)),
    ApiResponse({
      status,
      description: 'The favourite',
      headers: status === 201 ? CREATED_HEADERS : ETAG_HEADER,
      schema: assetUnionSchema(ASSET_RESPONSES),
    }),
  );

/** If-None-Match on a GET: 304 when the client already holds the current representation. */
export const ApiConditionalGet = () =>
  applyDecorators(
    ApiHeader({
      name: 'If-None-Match',
      required: false,
      description:
        'ETags the client holds (or `*`), compared weakly: a match answers 304 with no body',
    }),
    ApiResponse({
      status: 304,
      description: 'Not modified: the ETag in If-None-Match is still current',
      headers: ETAG_HEADER,
    }),
  );

/** If-Match on a write: applied only to the version it names (optimistic concurrency). */
export const ApiIfMatch = () =>
  applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required: false,
      description:
        'Apply only if the favourite is still at this ETag (strong comparison; `*`: any). ' +
        'Otherwise 412 FAVORITE_CHANGED. Without it, the write applies to whatever is current.',
    }),
  );

/** The list's two representations: a JSON page, or an NDJSON stream of Assets. */
export const ApiListResponses = () =>
  applyDecorators(
    ApiExtraModels(FavoritesPageDto, ...Object.values(ASSET_RESPONSES)),
    ApiResponse({
      status: 200,
      description:
        'A page (application/json), or every favourite, one Asset per line (application/x-ndjson)',
      headers: {
        ETag: {
          description:
            'Of a JSON page only: a digest of its bytes, the same whether the cache or ' +
            'PostgreSQL served it',
          schema: { type: 'string' },
        },
      },
      content: {
        'application/json': { schema: { $ref: getSchemaPath(FavoritesPageDto) } },
        [NDJSON]: { schema: assetUnionSchema(ASSET_RESPONSES) },
      },
    }),
  );
