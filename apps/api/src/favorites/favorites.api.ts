import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';

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

export const ApiAssetResponse = (status: 200 | 201) =>
  applyDecorators(
    ApiExtraModels(...Object.values(ASSET_RESPONSES)),
    ApiResponse({
      status,
      description: 'The favourite',
      schema: assetUnionSchema(ASSET_RESPONSES),
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
      content: {
        'application/json': { schema: { $ref: getSchemaPath(FavoritesPageDto) } },
        [NDJSON]: { schema: assetUnionSchema(ASSET_RESPONSES) },
      },
    }),
  );
