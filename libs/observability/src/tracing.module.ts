import { Module } from '@nestjs/common';

import { RouteSpanNames } from './route-span-names';

/**
 * The application's side of tracing: route-named server spans. The SDK itself is started before
 * Nest loads and stopped last by the shutdown (apps/api/src/tracing.ts); without it everything
 * here is a no-op.
 */
@Module({ providers: [RouteSpanNames] })
export class TracingModule {}
