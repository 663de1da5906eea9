import { DomainError } from '@app/http';

export class EmailTakenError extends DomainError {
  readonly code = 'EMAIL_TAKEN';
  readonly kind = 'conflict';

  constructor() {
    super('An account with this email already exists');
  }
}
