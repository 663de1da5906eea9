import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';

import { AllConfig } from '@app/config';
import {
  BODY_LIMIT_BYTES,
  fastifyServerOptions,
  registerJsonBodyParser,
  registerRequestIdHeader,
} from '@app/http';

import { AppModule } from './app.module';
import { setupOpenApi } from './openapi/openapi.document';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/**
 * Builds the application exactly as production runs it, without listening; main.ts and the
 * end-to-end tests both start from here.
 */
export async function createApp(): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter(fastifyServerOptions(BODY_LIMIT_BYTES));
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, {
    // Our own parser reads every body as JSON; see registerJsonBodyParser.
    bodyParser: false,
    bufferLogs: true,
  });
  const config = app.get<ConfigService<AllConfig, true>>(ConfigService);
  const { env, logLevel } = config.get('app', { infer: true });
  app.useLogger(
    new ConsoleLogger({
      json: env !== 'local' && env !== 'development',
      logLevels: LEVELS.slice(0, LEVELS.indexOf(logLevel as LogLevel) + 1),
    }),
  );
  const fastify = app.getHttpAdapter().getInstance();
  registerJsonBodyParser(fastify, BODY_LIMIT_BYTES);
  registerRequestIdHeader(fastify);
  setupOpenApi(app);
  app.enableShutdownHooks();
  await app.init();
  return app;
}
