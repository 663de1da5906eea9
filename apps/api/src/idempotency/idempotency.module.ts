import { Module } from '@nestjs/common';

import { TransactionScope } from '@app/database';

import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyRepository } from './idempotency.repository';
import { IdempotencyService } from './idempotency.service';
import { IdempotencyPurge } from './idempotency-purge';
import { TypeOrmIdempotencyRepository } from './typeorm-idempotency.repository';

/** Idempotency-Key for POST handlers (`@Idempotent()`), and the purge of expired keys. */
@Module({
  providers: [
    IdempotencyService,
    IdempotencyInterceptor,
    IdempotencyPurge,
    TransactionScope,
    { provide: IdempotencyRepository, useClass: TypeOrmIdempotencyRepository },
  ],
  exports: [IdempotencyInterceptor, IdempotencyService],
})
export class IdempotencyModule {}
