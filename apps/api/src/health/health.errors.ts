import { DomainError } from '@app/http';

export class DependencyDownError extends DomainError {
  readonly code = 'DEPENDENCY_DOWN';
  readonly kind = 'unavailable';

  constructor(readonly down: string[]) {
    super(`Unavailable: ${down.join(', ') || 'unknown'}`);
  }
}
