import type { ServerResponse } from 'node:http';

import type { FastifyReply, FastifyRequest } from 'fastify';

import { DomainError, OverloadedError } from '@app/http';

import { requestLogFields, requestLogLevel } from './request-log';

function exchange(response: Partial<ServerResponse>, url = '/favorites?limit=5') {
  const req = { method: 'GET', url, originalUrl: url, routeOptions: {} } as FastifyRequest;
  const raw = { headersSent: true, writableEnded: true, ...response };
  const res = { raw, elapsedTime: 0 } as unknown as FastifyReply;
  return { req, res };
}

describe(requestLogLevel.name, () => {
  it.each([
    [200, 'info'],
    [204, 'info'],
    [304, 'info'],
    [400, 'warn'],
    [401, 'warn'],
    [404, 'warn'],
    [500, 'error'],
    [503, 'error'],
  ])('logs a %i at %s', (statusCode, level) => {
    const { req, res } = exchange({ statusCode });

    expect(requestLogLevel(req, res)).toBe(level);
  });

  it('logs at error when the response carries an error, whatever its status', () => {
    const { req, res } = exchange({ statusCode: 200, err: new Error('cut mid-stream') });

    expect(requestLogLevel(req, res)).toBe('error');
  });

  it('logs a 503 the service chose (e.g. too many streams) at warn, an unexpected one at error', () => {
    class TooBusy extends DomainError {
      readonly code = 'TOO_BUSY';
      readonly kind = 'unavailable';
    }
    const refused = exchange({ statusCode: 503, err: new TooBusy('busy') });
    const failed = exchange({ statusCode: 503, err: new Error('connection refused') });

    expect(requestLogLevel(refused.req, refused.res)).toBe('warn');
    expect(requestLogLevel(failed.req, failed.res)).toBe('error');
  });

  it('logs a request shed under overload at debug: the load shedder summarises them', () => {
    const { req, res } = exchange({ statusCode: 503, err: new OverloadedError('in_flight') });

    expect(requestLogLevel(req, res)).toBe('debug');
  });

  it('logs a client that left before any response as a 499, at warn', () => {
    const { req, res } = exchange({ statusCode: 200, headersSent: false, writableEnded: false });

    expect(requestLogLevel(req, res)).toBe('warn');
    expect(requestLogFields(req, res)).toMatchObject({ statusCode: 499, aborted: true });
  });
});

describe(requestLogFields.name, () => {
  it('keeps the path without its query string', () => {
    const { req, res } = exchange({ statusCode: 200 }, '/favorites?cursor=secret&limit=5');

    expect(requestLogFields(req, res)).toEqual({
      method: 'GET',
      path: '/favorites',
      statusCode: 200,
      durationMs: 0,
    });
  });
});
