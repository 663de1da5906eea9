import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';

import { ApiProblemResponses } from '@app/http';

import { IdempotencyInterceptor } from './idempotency.interceptor';

/**
 * `Idempotency-Key` support for a POST handler that answers JSON, and its OpenAPI. The handler
 * documents its own 409 (a key in use is one more reason for it).
 */
export const Idempotent = () =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Up to 255 printable ASCII characters, unique per request you mean (a UUID). A retry ' +
        'with the same key and body gets the first answer again (`Idempotent-Replayed: true`); ' +
        'the same key with another body is a 422, and while the first is still running a 409. ' +
        'Keys are kept 24 hours, per user.',
    }),
    ApiProblemResponses(422),
  );
