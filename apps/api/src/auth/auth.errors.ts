import { DomainError } from '@app/http';

/** One answer for unknown email and wrong password, so neither can be told apart. */
export class InvalidCredentialsError extends DomainError {
  readonly code = 'INVALID_CREDENTIALS';
  readonly kind = 'unauthenticated';

  constructor() {
    super('Invalid email or password');
  }
}

export class InvalidTokenError extends DomainError {
  readonly code = 'UNAUTHENTICATED';
  readonly kind = 'unauthenticated';

  constructor() {
    super('A valid bearer access token is required');
  }
}
