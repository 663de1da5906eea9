import { Asset } from './dto/asset.response';
import type { FavoriteRecord } from './favorites.repository';

/** The API's Asset: the common fields, the type's own fields, and ISO-8601 times. */
export function toAsset(record: FavoriteRecord): Asset {
  return {
    id: record.id,
    type: record.type,
    name: record.name,
    description: record.description,
    ...record.payload,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}
