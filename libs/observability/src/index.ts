export * from './active-trace-ids';
export * from './logging/log-destination.module';
export * from './logging/logging.module';
export * from './request-outcome';
export * from './route-span-names';
export * from './traced.decorator';
export * from './tracing.module';
