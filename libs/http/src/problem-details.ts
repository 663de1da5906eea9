import { STATUS_CODES } from 'node:http';

import { FieldError } from './domain-error';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** RFC 9457 problem details, with the stable `code` and `requestId` extensions. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  requestId: string;
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

/** The one builder of problem bodies, for the exception filter and Fastify's own early errors. */
export function problemDetails(
  status: number,
  code: string,
  detail: string,
  request: { url?: string; id?: unknown },
  errors?: FieldError[],
): ProblemDetails {
  return {
    type: 'about:blank',
    title: statusTitle(status),
    status,
    detail,
    instance: (request.url ?? '/').split('?')[0],
    code,
    requestId: String(request.id),
    ...(errors && { errors }),
  };
}
