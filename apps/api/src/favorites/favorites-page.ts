import { Asset } from './dto/asset.response';
import { FavoritesPageDto } from './dto/favorites-page.dto';
import type { FavoriteRecord } from './favorites.repository';
import { assetJson } from './to-asset';

/** One asset of a page: its keyset position and its JSON text. */
export interface AssetText {
  id: string;
  /** created_at in epoch milliseconds. */
  createdAt: number;
  json: string;
}

/** A database row as the JSON text the page and the cache hold. */
export function assetTextOf(record: FavoriteRecord): AssetText {
  return {
    id: record.id,
    createdAt: record.createdAt.getTime(),
    json: assetJson(record),
  };
}

/**
 * A page whose assets are JSON texts, as the cache holds them: the response body is spliced
 * together from them without parsing and re-serialising each asset.
 */
export class FavoritesPage {
  constructor(
    readonly assets: AssetText[],
    readonly total: number,
    readonly page: number | null,
    readonly limit: number,
    readonly nextCursor: string | null,
  ) {}

  /** The assets as objects (parsed: for callers that need them, not for the response). */
  get data(): Asset[] {
    return this.assets.map((asset) => JSON.parse(asset.json) as Asset);
  }

  toJSON(): FavoritesPageDto {
    const { data, total, page, limit, nextCursor } = this;
    return { data, total, page, limit, nextCursor };
  }

  /** The JSON body, byte for byte what JSON.stringify(this) gives. */
  toBody(): string {
    return (
      `{"data":[${this.assets.map((asset) => asset.json).join(',')}],"total":${this.total},` +
      `"page":${this.page},"limit":${this.limit},"nextCursor":${JSON.stringify(this.nextCursor)}}`
    );
  }
}
