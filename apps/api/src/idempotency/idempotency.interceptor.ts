import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, Observable } from 'rxjs';

import {
  DomainError,
  DomainErrorKind,
  PROBLEM_CONTENT_TYPE,
  problemDetails,
  STATUS_BY_KIND,
} from '@app/http';

import type { AuthenticatedUser } from '../auth/authenticated-user';
import { StoredResponse } from './idempotency.repository';
import { IdempotencyService } from './idempotency.service';
import { parseIdempotencyKey, requestFingerprint } from './idempotent-request';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
/** The response headers a replay must repeat. */
const STORED_HEADERS = ['etag', 'location'] as const;
/**
 * Failures stored and replayed like a success, as Stripe does for requests that ran: the outcome
 * of the request itself. Not stored: validation (the request never ran), authentication, and
 * server errors, which release the key for a retry.
 */
const STORED_FAILURES = new Set<DomainErrorKind>([
  'conflict',
  'not_found',
  'precondition_failed',
  'unprocessable',
]);

type AuthenticatedRequest = FastifyRequest & { user: AuthenticatedUser };

/**
 * `Idempotency-Key` on a JSON-returning handler (ADR-0020): the HTTP side of IdempotencyService.
 * The handler runs inside the key's transaction; its answer is sent as the exact text stored, so
 * a replay is byte for byte the first answer, plus `Idempotent-Replayed: true`.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly idempotency: IdempotencyService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    // Thrown here, an invalid key is the handler's error (a 400), like any other.
    const key = parseIdempotencyKey(request.headers['idempotency-key']);
    // Without a key the handler's own stream, untouched: most writes carry none.
    if (key === undefined) return next.handle();
    return from(this.handle(key, request, http.getResponse<FastifyReply>(), next));
  }

  private async handle(
    key: string,
    request: AuthenticatedRequest,
    reply: FastifyReply,
    next: CallHandler,
  ): Promise<unknown> {
    const { response, replayed } = await this.idempotency.execute(
      {
        userId: request.user.id,
        key,
        fingerprint: requestFingerprint(request.method, request.url, request.body),
      },
      async () => responseOf(reply, await lastValueFrom(next.handle())),
      (error) => storedFailureOf(error, request),
    );
    void reply.status(response.status).headers(response.headers);
    if (replayed) void reply.header('idempotent-replayed', 'true');
    return response.body;
  }
}

function responseOf(reply: FastifyReply, result: unknown): StoredResponse {
  const headers: Record<string, string> = { 'content-type': JSON_CONTENT_TYPE };
  for (const name of STORED_HEADERS) {
    const value = reply.getHeader(name);
    if (typeof value === 'string') headers[name] = value;
  }
  return { status: reply.statusCode, headers, body: JSON.stringify(result) };
}

/** The problem+json ProblemDetailsFilter sends for this error, when it is one to store. */
function storedFailureOf(error: unknown, request: FastifyRequest): StoredResponse | undefined {
  if (!(error instanceof DomainError) || !STORED_FAILURES.has(error.kind)) return undefined;
  const status = STATUS_BY_KIND[error.kind];
  return {
    status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE },
    body: JSON.stringify(problemDetails(status, error.code, error.message, request)),
  };
}
