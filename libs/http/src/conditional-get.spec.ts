import type { FastifyReply, FastifyRequest } from 'fastify';

import { isNotModified } from './conditional-get';

function exchange(
  method: string,
  ifNoneMatch: string | undefined,
  statusCode: number,
  etag: string | undefined,
): [FastifyRequest, FastifyReply] {
  const request = { method, headers: { 'if-none-match': ifNoneMatch } } as FastifyRequest;
  const reply = { statusCode, getHeader: () => etag } as unknown as FastifyReply;
  return [request, reply];
}

describe(isNotModified.name, () => {
  it('is true for a 200 GET or HEAD whose ETag the request holds', () => {
    expect(isNotModified(...exchange('GET', '"a", "b"', 200, '"b"'))).toBe(true);
    expect(isNotModified(...exchange('HEAD', 'W/"b"', 200, '"b"'))).toBe(true);
  });

  it('is false for other methods, other statuses, no ETag or no match', () => {
    expect(isNotModified(...exchange('PATCH', '"b"', 200, '"b"'))).toBe(false);
    expect(isNotModified(...exchange('POST', '*', 201, '"b"'))).toBe(false);
    expect(isNotModified(...exchange('GET', '"b"', 404, '"b"'))).toBe(false);
    expect(isNotModified(...exchange('GET', '*', 200, undefined))).toBe(false);
    expect(isNotModified(...exchange('GET', '"a"', 200, '"b"'))).toBe(false);
    expect(isNotModified(...exchange('GET', undefined, 200, '"b"'))).toBe(false);
  });
});
