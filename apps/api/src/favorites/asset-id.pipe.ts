import { Injectable, PipeTransform } from '@nestjs/common';

import { codePointLength, RequestValidationError, unstorableTextReason } from '@app/http';

/** The `{id}` path segment: 1 to 128 characters PostgreSQL can store (no NUL, no lone surrogate). */
@Injectable()
export class AssetIdPipe implements PipeTransform<unknown, string> {
  transform(id: unknown): string {
    const length = typeof id === 'string' ? codePointLength(id) : 0;
    const reason =
      typeof id !== 'string' || length < 1 || length > 128
        ? 'id must be 1 to 128 characters long'
        : unstorableTextReason(id);
    if (reason) throw new RequestValidationError([{ field: 'id', message: reason }]);
    return id as string;
  }
}
