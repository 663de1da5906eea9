import { DynamicModule, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';

/** Where the application's log lines go, when not stdout. */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');

/**
 * Sends the logs of the application that imports it to `destination` (always as JSON), for tests
 * that read what the real application logs.
 */
@Module({})
export class LogDestinationModule {
  static forRoot(destination: DestinationStream): DynamicModule {
    return {
      module: LogDestinationModule,
      global: true,
      providers: [{ provide: LOG_DESTINATION, useValue: destination }],
      exports: [LOG_DESTINATION],
    };
  }
}
