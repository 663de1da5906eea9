import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOkResponse, ApiResponse } from '@nestjs/swagger';

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

export const ApiPageResponse = () =>
  applyDecorators(
    ApiExtraModels(...Object.values(ASSET_RESPONSES)),
    ApiOkResponse({ type: FavoritesPageDto }),
  );
