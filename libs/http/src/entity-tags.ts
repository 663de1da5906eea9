import { hash } from 'node:crypto';

import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** One entity-tag of a request header (RFC 9110, section 8.8.3): its opaque tag, quotes included. */
export interface EntityTag {
  weak: boolean;
  opaque: string;
}

/** An If-Match / If-None-Match value: `*` (any current representation) or a list of tags. */
export type EntityTagList = '*' | EntityTag[];

/** A value and the strong ETag of its representation. */
export interface Tagged<T> {
  etag: string;
  value: T;
}

// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text
const ENTITY_TAG = /^(W\/)?("[\x21\x23-\x7e\x80-\xff]*")$/;

/**
 * Parses an If-Match or If-None-Match header: `*`, or the well-formed entity-tags of its
 * comma-separated list. Malformed members are dropped (they can match nothing); undefined when
 * the header is absent.
 */
export function parseEntityTags(header: string | string[] | undefined): EntityTagList | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim() === '*') return '*';
  // A comma is a legal etagc: members are split on the commas outside quotes.
  const tags: EntityTag[] = [];
  for (const member of splitList(value)) {
    const match = ENTITY_TAG.exec(member);
    if (match) tags.push({ weak: match[1] !== undefined, opaque: match[2] });
  }
  return tags;
}

function splitList(value: string): string[] {
  const members: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of value) {
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      members.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  members.push(current.trim());
  return members.filter((member) => member !== '');
}

/**
 * If-None-Match (RFC 9110, section 13.1.2): true when the current ETag matches, by the weak
 * comparison, any listed tag (or the list is `*`): a GET then answers 304.
 */
export function noneMatchFails(header: string | string[] | undefined, etag: string): boolean {
  const tags = parseEntityTags(header);
  if (tags === undefined) return false;
  if (tags === '*') return true;
  const current = opaqueOf(etag);
  return tags.some((tag) => tag.opaque === current);
}

/**
 * The strong opaque tags of an If-Match list (RFC 9110, section 13.1.1 uses the strong
 * comparison, so a weak tag never matches), or `*`; undefined without the header.
 */
export function strongTagsOf(tags: EntityTagList | undefined): '*' | string[] | undefined {
  if (tags === undefined || tags === '*') return tags;
  return tags.filter((tag) => !tag.weak).map((tag) => tag.opaque);
}

function opaqueOf(etag: string): string {
  return etag.startsWith('W/') ? etag.slice(2) : etag;
}

/** A strong ETag for a representation: a digest of its exact bytes. */
export function strongETag(content: string | Buffer): string {
  // One-shot: no Hash object per response (the list's ETag is computed on every page).
  return `"${hash('sha256', content, 'base64url').slice(0, 27)}"`;
}

/** Sets the ETag header and returns the value, for a handler's last line. */
export function withETag<T>(reply: FastifyReply, tagged: Tagged<T>): T {
  void reply.header('etag', tagged.etag);
  return tagged.value;
}

/** The request's If-Match header, parsed; undefined when absent. */
export const IfMatch = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): EntityTagList | undefined =>
    parseEntityTags(ctx.switchToHttp().getRequest<FastifyRequest>().headers['if-match']),
);
