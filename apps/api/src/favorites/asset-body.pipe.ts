import { Injectable, PipeTransform } from '@nestjs/common';

import { RequestValidationError, validateAs } from '@app/http';

import { ASSET_DTOS, ASSET_TYPES, AssetType, CreateAssetDto } from './dto/asset.dto';

/**
 * Validates a POST /favorites body against the DTO its `type` names: the union is sealed, so an
 * unknown or missing type is a 400 before any other field is looked at.
 */
@Injectable()
export class AssetBodyPipe implements PipeTransform<unknown, Promise<CreateAssetDto>> {
  async transform(body: unknown): Promise<CreateAssetDto> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new RequestValidationError([
        { field: '(body)', message: 'body must be a JSON object' },
      ]);
    }
    const type = (body as { type?: unknown }).type;
    if (typeof type !== 'string' || !(ASSET_TYPES as readonly string[]).includes(type)) {
      throw new RequestValidationError([
        { field: 'type', message: `type must be one of: ${ASSET_TYPES.join(', ')}` },
      ]);
    }
    return validateAs(ASSET_DTOS[type as AssetType], body);
  }
}
