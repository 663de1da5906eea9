import { Asset } from './dto/asset.response';
import type { FavoriteRecord } from './favorites.repository';
import { isoTime } from './iso-time';

/** The API's Asset: the common fields, the type's own fields, and ISO-8601 times. */
export function toAsset(record: FavoriteRecord): Asset {
  return {
    id: record.id,
    type: record.type,
    name: record.name,
    description: record.description,
    ...record.payload,
    createdAt: isoTime(record.createdAt),
    updatedAt: isoTime(record.updatedAt),
  };
}

/** The common fields: a payload key spelled like one would take its place (see toAsset). */
const COMMON_KEYS = new Set(['id', 'type', 'name', 'description', 'createdAt', 'updatedAt']);
/** An array index ("0", "7"): JavaScript puts those keys of an object before all others. */
const INDEX_KEY = /^(?:0|[1-9]\d*)$/;

/** Whether the payload's JSON can be spliced in between the common fields (assetJson). */
function spliceable(payload: Record<string, unknown> | null): boolean {
  if (typeof payload !== 'object' || payload === null) return false;
  for (const key in payload) {
    if (COMMON_KEYS.has(key) || INDEX_KEY.test(key)) return false;
  }
  return true;
}

/**
 * `JSON.stringify(toAsset(record))`, byte for byte, without the object in between: the payload's
 * own JSON spliced between the common fields. The JSON of every asset of a page read from
 * PostgreSQL, of the cache's entries and of the write-through is made here. The payloads the API
 * stores never hold a common field's name or an index key, which would move in the object; one
 * that did (written by hand into the database) takes toAsset's way.
 */
export function assetJson(record: FavoriteRecord): string {
  const { payload } = record;
  if (!spliceable(payload)) return JSON.stringify(toAsset(record));
  const fields = JSON.stringify(payload);
  const createdAt = isoTime(record.createdAt);
  const updatedAt =
    record.updatedAt.getTime() === record.createdAt.getTime()
      ? createdAt
      : isoTime(record.updatedAt);
  return (
    `{"id":${JSON.stringify(record.id)},"type":${JSON.stringify(record.type)},` +
    `"name":${JSON.stringify(record.name)},"description":${JSON.stringify(record.description)}` +
    `${fields.length > 2 ? `,${fields.slice(1, -1)}` : ''},` +
    `"createdAt":"${createdAt}","updatedAt":"${updatedAt}"}`
  );
}
