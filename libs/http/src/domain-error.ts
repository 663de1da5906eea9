/**
 * What went wrong, in the domain's words. Services throw subclasses with a stable `code`; the
 * problem+json filter is the one place that turns a `kind` into an HTTP status.
 */
export type DomainErrorKind =
  | 'unavailable'
  | 'invalid'
  | 'unauthenticated'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'precondition_failed'
  | 'unprocessable'
  | 'rate_limited';

export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly kind: DomainErrorKind;
  /** For `unavailable` and `rate_limited`: when a retry may succeed, sent as Retry-After. */
  readonly retryAfterSeconds?: number;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export interface FieldError {
  /** Path of the offending value in the request, e.g. `rules.age_min` or `data[3].y`. */
  field: string;
  message: string;
}

/** The request's shape or values are wrong; carries one entry per offending field. */
export class RequestValidationError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  readonly kind = 'invalid';

  constructor(
    readonly errors: FieldError[],
    message = 'The request has invalid fields',
  ) {
    super(message);
  }
}

export class MalformedBodyError extends DomainError {
  readonly code = 'MALFORMED_JSON';
  readonly kind = 'invalid';

  constructor() {
    super('The request body is not valid JSON');
  }
}
