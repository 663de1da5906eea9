import { STATUS_CODES } from 'node:http';

import { isSpanContextValid, trace } from '@opentelemetry/api';

import { FieldError } from './domain-error';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** RFC 9457 problem details, with the stable `code`, `requestId` and `traceId` extensions. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  requestId: string;
  /** The request's W3C trace id, when it is traced: the way from a client's report to its trace. */
  traceId?: string;
  errors?: FieldError[];
}

export function statusTitle(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/** `Payload Too Large` -> `PAYLOAD_TOO_LARGE`: the default code of a bare HTTP status. */
export function statusCode(status: number): string {
  return statusTitle(status)
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

/**
 * The trace id of the span active here, if tracing is on and one is. Read through the OpenTelemetry
 * API itself (a no-op without an SDK), so this library depends on no other of ours.
 */
function activeTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context && isSpanContextValid(context) ? context.traceId : undefined;
}

/** The one builder of problem bodies, for the exception filter and Fastify's own early errors. */
export function problemDetails(
  status: number,
  code: string,
  detail: string,
  request: { url?: string; id?: unknown },
  errors?: FieldError[],
): ProblemDetails {
  const traceId = activeTraceId();
  return {
    type: 'about:blank',
    title: statusTitle(status),
    status,
    detail,
    instance: (request.url ?? '/').split('?')[0],
    code,
    requestId: String(request.id),
    ...(traceId && { traceId }),
    ...(errors && { errors }),
  };
}
