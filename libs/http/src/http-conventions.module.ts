import { Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';

import { ConditionalGet } from './conditional-get';
import { ProblemDetailsFilter } from './problem-details.filter';
import { createValidationPipe } from './validation';

/**
 * problem+json errors, strict validation and If-None-Match (304) for every route of the
 * importing application.
 */
@Module({
  providers: [
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_PIPE, useFactory: createValidationPipe },
    ConditionalGet,
  ],
})
export class HttpConventionsModule {}
