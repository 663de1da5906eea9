import { DomainError } from '@app/http';

export class InvalidIdempotencyKeyError extends DomainError {
  readonly code = 'INVALID_IDEMPOTENCY_KEY';
  readonly kind = 'invalid';

  constructor() {
    super('Idempotency-Key must be 1 to 255 printable ASCII characters');
  }
}

/** Another attempt with this key is still running: retry once it has answered. */
export class IdempotencyKeyInUseError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_IN_USE';
  readonly kind = 'conflict';

  constructor() {
    super('A request with this Idempotency-Key is still in progress; retry shortly');
  }
}

export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  readonly kind = 'unprocessable';

  constructor() {
    super('This Idempotency-Key was already used with a different request');
  }
}
