import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Optional } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { DomainError, DomainErrorKind, RequestValidationError } from './domain-error';
import { ErrorTranslator } from './error-translator';
import {
  PROBLEM_CONTENT_TYPE,
  ProblemDetails,
  problemDetails,
  statusCode,
} from './problem-details';

/** The HTTP status of each kind of domain error. */
export const STATUS_BY_KIND: Record<DomainErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  precondition_failed: 412,
  unprocessable: 422,
};

interface Mapped {
  status: number;
  retryAfterSeconds?: number;
  code: string;
  detail: string;
  errors?: ProblemDetails['errors'];
}

/**
 * Every error leaves as application/problem+json (RFC 9457). Client errors say what was wrong;
 * anything unexpected is answered with a generic 500 that carries only the request id, so no SQL,
 * stack or library message reaches a client, and is logged in full by the request's log line.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(@Optional() private readonly translator?: ErrorTranslator) {}

  catch(thrown: unknown, host: ArgumentsHost): void {
    const exception = this.translator ? this.translator.translate(thrown) : thrown;
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const mapped = this.map(exception);

    if (mapped.status >= 500) {
      // Not logged here: set on the response (pino-http's `res.err` convention), it is logged
      // with the request's one line when the response ends (ADR-0018), serialised (type, message,
      // stack, code) beside the route, status, request id, user and trace. One error line per
      // failed request, not two to match up.
      const response: { err?: unknown } = reply.raw;
      response.err = exception;
    }
    if (reply.sent || reply.raw.headersSent) {
      // Too late to change the status: cut the connection so the client sees a truncated body.
      reply.raw.destroy();
      return;
    }

    const body = problemDetails(mapped.status, mapped.code, mapped.detail, request, mapped.errors);
    if (mapped.retryAfterSeconds !== undefined) {
      void reply.header('retry-after', String(mapped.retryAfterSeconds));
    }
    if (mapped.status === 401) {
      void reply.header('www-authenticate', 'Bearer realm="favorites"');
    }
    void reply.status(mapped.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
  }

  private map(exception: unknown): Mapped {
    if (exception instanceof RequestValidationError) {
      return {
        status: 400,
        code: exception.code,
        detail: exception.message,
        errors: exception.errors,
      };
    }
    if (exception instanceof DomainError) {
      return {
        status: STATUS_BY_KIND[exception.kind],
        retryAfterSeconds: exception.retryAfterSeconds,
        code: exception.code,
        detail: exception.message,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return {
        status,
        code: status === 404 ? 'ROUTE_NOT_FOUND' : statusCode(status),
        detail:
          status >= 500 ? 'An unexpected error occurred' : this.httpExceptionDetail(exception),
      };
    }
    const fastifyError = this.asFastifyClientError(exception);
    if (fastifyError) return fastifyError;
    return { status: 500, code: 'INTERNAL_ERROR', detail: 'An unexpected error occurred' };
  }

  private httpExceptionDetail(exception: HttpException): string {
    const response = exception.getResponse();
    if (typeof response === 'string') return response;
    const message = (response as { message?: unknown }).message;
    if (typeof message === 'string') return message;
    if (Array.isArray(message)) return message.join('; ');
    return exception.message;
  }

  /** Errors Fastify raises itself before a route runs (body too large, bad URL encoding, ...). */
  private asFastifyClientError(exception: unknown): Mapped | undefined {
    if (!(exception instanceof Error)) return undefined;
    const { statusCode: status, code } = exception as Error & {
      statusCode?: unknown;
      code?: unknown;
    };
    if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
    if (typeof code !== 'string' || !code.startsWith('FST_')) return undefined;
    return { status, code: statusCode(status), detail: exception.message };
  }
}
