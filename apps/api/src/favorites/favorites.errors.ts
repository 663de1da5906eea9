import { DomainError } from '@app/http';

/** Also what another user's favourite looks like: ownership is never revealed. */
export class FavoriteNotFoundError extends DomainError {
  readonly code = 'FAVORITE_NOT_FOUND';
  readonly kind = 'not_found';

  constructor() {
    super('Favorite not found');
  }
}

export class FavoriteExistsError extends DomainError {
  readonly code = 'FAVORITE_EXISTS';
  readonly kind = 'conflict';

  constructor() {
    super('This asset is already in your favorites');
  }
}

export class InvalidCursorError extends DomainError {
  readonly code = 'INVALID_CURSOR';
  readonly kind = 'invalid';

  constructor() {
    super('cursor is not a cursor this service issued to you');
  }
}

export class CursorWithPageError extends DomainError {
  readonly code = 'CURSOR_WITH_PAGE';
  readonly kind = 'invalid';

  constructor() {
    super('page and cursor cannot be combined: a cursor already says where to continue');
  }
}

/** The token is valid but its account is gone. */
export class AccountGoneError extends DomainError {
  readonly code = 'ACCOUNT_GONE';
  readonly kind = 'unauthenticated';

  constructor() {
    super('The account of this token no longer exists');
  }
}

export class NotAStreamParameterError extends DomainError {
  readonly code = 'NOT_A_STREAM_PARAMETER';
  readonly kind = 'invalid';

  constructor(parameter: string) {
    super(
      `${parameter} does not apply to a stream, which returns every favourite (use cursor to resume)`,
    );
  }
}

export class TypeFilterNeedsStreamError extends DomainError {
  readonly code = 'TYPE_FILTER_NEEDS_STREAM';
  readonly kind = 'invalid';

  constructor() {
    super('type filters the NDJSON stream only: send Accept: application/x-ndjson');
  }
}

/** Each stream holds a database connection for its whole length; beyond the limit, come back. */
export class TooManyStreamsError extends DomainError {
  readonly code = 'TOO_MANY_STREAMS';
  readonly kind = 'unavailable';
  override readonly retryAfterSeconds = 1;

  constructor() {
    super('Too many streams in progress; retry shortly');
  }
}

/** If-Match named no current version of the favourite: someone changed it since it was read. */
export class FavoriteChangedError extends DomainError {
  readonly code = 'FAVORITE_CHANGED';
  readonly kind = 'precondition_failed';

  constructor() {
    super('The favourite has changed since the version in If-Match: read it again, then retry');
  }
}
