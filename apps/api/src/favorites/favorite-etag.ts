import { createHash } from 'node:crypto';

/** `"<version>-<check>"`: the version the SQL compares, and a digest binding it to its favourite. */
const FAVORITE_ETAG = /^"(\d{1,15})-([\w-]{16})"$/;

function check(userId: string, id: string, version: number): string {
  return createHash('sha256')
    .update(`${userId}\n${id}\n${version}`)
    .digest('base64url')
    .slice(0, 16);
}

/**
 * The strong ETag of a favourite's representation (ADR-0019). Versions are never repeated, and
 * every change of the representation (an edit, a delete and re-add) takes a new one. Favourites
 * older than versions all read as version 1, so the check digest ties a tag to its user and id:
 * one favourite's tag never matches another's.
 */
export function favoriteETag(userId: string, id: string, version: number): string {
  return `"${version}-${check(userId, id, version)}"`;
}

/** The versions of this favourite that the strong tags of an If-Match name (others name none). */
export function versionsNamedBy(userId: string, id: string, tags: string[]): number[] {
  return tags.flatMap((tag) => {
    const match = FAVORITE_ETAG.exec(tag);
    if (!match) return [];
    const version = Number(match[1]);
    return match[2] === check(userId, id, version) ? [version] : [];
  });
}
