import {
  ArgumentsHost,
  BadRequestException,
  InternalServerErrorException,
  NotFoundException,
} from '@nestjs/common';

import { DomainError, DomainErrorKind, RequestValidationError } from './domain-error';
import { PROBLEM_CONTENT_TYPE, ProblemDetails } from './problem-details';
import { ProblemDetailsFilter } from './problem-details.filter';

interface FakeReply {
  sent: boolean;
  raw: { headersSent: boolean; destroy: jest.Mock; err?: unknown };
  status: jest.Mock;
  header: jest.Mock;
  type: jest.Mock;
  send: jest.Mock;
}

interface FakeRequest {
  id: string;
  method: string;
  url: string;
}

function fakeReply(): FakeReply {
  const reply: FakeReply = {
    sent: false,
    raw: { headersSent: false, destroy: jest.fn() },
    status: jest.fn(),
    header: jest.fn(),
    type: jest.fn(),
    send: jest.fn(),
  };
  for (const method of [reply.status, reply.header, reply.type, reply.send]) {
    method.mockReturnValue(reply);
  }
  return reply;
}

function hostFor(request: FakeRequest, reply: FakeReply): ArgumentsHost {
  const http = { getRequest: () => request, getResponse: () => reply, getNext: () => undefined };
  return { switchToHttp: () => http, getType: () => 'http' } as unknown as ArgumentsHost;
}

function domainError(kind: DomainErrorKind, code: string, message: string): DomainError {
  class TestDomainError extends DomainError {
    readonly code = code;
    readonly kind = kind;
  }
  return new TestDomainError(message);
}

describe(ProblemDetailsFilter.name, () => {
  const request: FakeRequest = { id: 'req-42', method: 'GET', url: '/favorites/x?limit=5' };
  let sut: ProblemDetailsFilter;
  let reply: FakeReply;

  beforeEach(() => {
    sut = new ProblemDetailsFilter();
    reply = fakeReply();
  });

  /** Runs the filter and returns the problem body it sent. */
  function problemFor(exception: unknown): ProblemDetails {
    sut.catch(exception, hostFor(request, reply));
    expect(reply.send).toHaveBeenCalledTimes(1);
    return JSON.parse(reply.send.mock.calls[0][0] as string) as ProblemDetails;
  }

  it('answers a RequestValidationError with 400 and its field errors', () => {
    const errors = [{ field: 'rules.age_min', message: 'age_min must be an integer' }];

    const body = problemFor(new RequestValidationError(errors));

    expect(reply.status).toHaveBeenCalledWith(400);
    expect(reply.type).toHaveBeenCalledWith(PROBLEM_CONTENT_TYPE);
    expect(PROBLEM_CONTENT_TYPE).toMatch(/^application\/problem\+json/);
    expect(body).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'The request has invalid fields',
      instance: '/favorites/x',
      code: 'VALIDATION_FAILED',
      requestId: 'req-42',
      errors,
    });
  });

  it.each<[DomainErrorKind, number]>([
    ['invalid', 400],
    ['unauthenticated', 401],
    ['not_found', 404],
    ['conflict', 409],
    ['payload_too_large', 413],
    ['unavailable', 503],
  ])('answers a DomainError of kind %s with %i, its code and message', (kind, status) => {
    const body = problemFor(domainError(kind, 'SOME_CODE', 'Something specific'));

    expect(reply.status).toHaveBeenCalledWith(status);
    expect(body).toMatchObject({ status, code: 'SOME_CODE', detail: 'Something specific' });
    expect(body).not.toHaveProperty('errors');
  });

  it('records an expected 503 on the response, for the request log line', () => {
    const error = domainError('unavailable', 'TOO_MANY_STREAMS', 'Too many streams');

    problemFor(error);

    expect(reply.raw.err).toBe(error);
  });

  it('answers what the ErrorTranslator makes of an error, leaving the others alone', () => {
    const unavailable = domainError('unavailable', 'DATABASE_UNAVAILABLE', 'No database');
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    sut = new ProblemDetailsFilter({
      translate: (error: unknown) => (error === refused ? unavailable : error),
    });

    expect(problemFor(refused)).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
    expect(reply.raw.err).toBe(unavailable);
    reply = fakeReply();
    expect(problemFor(new Error('boom'))).toMatchObject({ status: 500 });
  });

  it('challenges with www-authenticate on 401, and only then', () => {
    problemFor(domainError('unauthenticated', 'TOKEN_INVALID', 'Bad token'));
    expect(reply.header).toHaveBeenCalledWith('www-authenticate', 'Bearer realm="favorites"');

    reply = fakeReply();
    problemFor(domainError('not_found', 'FAVORITE_NOT_FOUND', 'Favorite not found'));
    expect(reply.header).not.toHaveBeenCalledWith('www-authenticate', expect.anything());
  });

  it('answers an unknown route (NotFoundException) with code ROUTE_NOT_FOUND', () => {
    const body = problemFor(new NotFoundException('Cannot GET /nowhere'));

    expect(reply.status).toHaveBeenCalledWith(404);
    expect(body).toMatchObject({
      status: 404,
      code: 'ROUTE_NOT_FOUND',
      detail: 'Cannot GET /nowhere',
    });
  });

  it('joins the messages of an HttpException carrying several', () => {
    const body = problemFor(new BadRequestException(['first problem', 'second problem']));

    expect(body).toMatchObject({
      status: 400,
      code: 'BAD_REQUEST',
      detail: 'first problem; second problem',
    });
  });

  it('hides the message of a 5xx HttpException', () => {
    const body = problemFor(new InternalServerErrorException('pool exhausted at 10.0.0.7'));

    expect(body).toMatchObject({ status: 500, detail: 'An unexpected error occurred' });
    expect(JSON.stringify(body)).not.toContain('10.0.0.7');
  });

  it("answers Fastify's own client errors with their status", () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });

    const body = problemFor(tooLarge);

    expect(reply.status).toHaveBeenCalledWith(413);
    expect(body).toMatchObject({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      detail: 'Request body is too large',
    });
  });

  it('treats a statusCode on a non-Fastify error as unexpected', () => {
    const foreign = Object.assign(new Error('upstream said 418'), {
      statusCode: 418,
      code: 'TEAPOT',
    });

    expect(problemFor(foreign)).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
  });

  it('answers an unexpected error with a generic 500 and records what it hides for the log', () => {
    const error = new Error('select * from secret');

    const body = problemFor(error);

    expect(reply.status).toHaveBeenCalledWith(500);
    expect(body).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred',
      instance: '/favorites/x',
      code: 'INTERNAL_ERROR',
      requestId: 'req-42',
    });
    const sent = reply.send.mock.calls[0][0] as string;
    expect(sent).not.toContain('secret');
    expect(sent).not.toMatch(/\bat .+:\d+:\d+/);
    // pino-http logs an error set on the response with the request's line (ADR-0018).
    expect(reply.raw.err).toBe(error);
  });

  it('records no error for client errors', () => {
    problemFor(new RequestValidationError([]));

    expect(reply.raw.err).toBeUndefined();
  });

  it.each([
    ['the headers are already sent', (r: FakeReply) => (r.raw.headersSent = true)],
    ['the reply is already sent', (r: FakeReply) => (r.sent = true)],
  ])('destroys the socket and sends nothing when %s', (_case, markSent) => {
    markSent(reply);

    const error = new Error('failed mid-stream');

    sut.catch(error, hostFor(request, reply));

    expect(reply.raw.err).toBe(error);
    expect(reply.raw.destroy).toHaveBeenCalledTimes(1);
    expect(reply.status).not.toHaveBeenCalled();
    expect(reply.header).not.toHaveBeenCalled();
    expect(reply.send).not.toHaveBeenCalled();
  });
});
