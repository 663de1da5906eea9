import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule, Params } from 'nestjs-pino';
import type { DestinationStream, Logger } from 'pino';

import { AllConfig } from '@app/config';

import { LOG_DESTINATION } from './log-destination.module';
import { RequestLogging } from './request-logging';
import { createRootLogger, ROOT_LOGGER } from './root-logger';

/** The process's pino logger, built from the typed config (or writing to a test's stream). */
@Module({
  providers: [
    {
      provide: ROOT_LOGGER,
      inject: [ConfigService, { token: LOG_DESTINATION, optional: true }],
      useFactory: (config: ConfigService<AllConfig, true>, destination?: DestinationStream) => {
        const { env, logLevel } = config.get('app', { infer: true });
        return createRootLogger({ env, logLevel, destination });
      },
    },
  ],
  exports: [ROOT_LOGGER],
})
class RootLoggerModule {}

/**
 * Structured logs (ADR-0018): nestjs-pino's Logger and PinoLogger over our pino logger for
 * everything the application logs, and RequestLogging's Fastify hooks for the request side (the
 * request-bound context and one line per request). nestjs-pino's own middleware is not applied
 * (`forRoutes: []`). The application routes Nest's logging through it:
 * `app.useLogger(app.get(Logger))`.
 */
@Module({
  imports: [
    RootLoggerModule,
    LoggerModule.forRootAsync({
      imports: [RootLoggerModule],
      inject: [ROOT_LOGGER],
      useFactory: (logger: Logger): Params => ({ pinoHttp: { logger }, forRoutes: [] }),
    }),
  ],
  providers: [RequestLogging],
})
export class LoggingModule {}
