import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';

import { appConfig, httpConfig } from '@app/config';
import {
  BODY_LIMIT_BYTES,
  corsOptions,
  fastifyServerOptions,
  helmetHeaders,
  registerJsonBodyParser,
  registerRequestIdHeader,
  registerSecurityHeaders,
} from '@app/http';
import { LogDestinationModule } from '@app/observability';

import { AppModule } from './app.module';
import { setupOpenApi } from './openapi/openapi.document';

export interface CreateAppOptions {
  /** Where the log lines go instead of stdout, as JSON: for tests that read them. */
  logDestination?: DestinationStream;
}

/**
 * Builds the application exactly as production runs it, without listening; main.ts and the
 * end-to-end tests both start from here.
 */
export async function createApp(options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  // The server exists before the config module: read its limits from the same validated source.
  const { keepAliveTimeoutMs, headersTimeoutMs } = appConfig();
  const { trustProxy, corsOrigins } = httpConfig();
  const adapter = new FastifyAdapter(
    fastifyServerOptions({
      bodyLimitBytes: BODY_LIMIT_BYTES,
      keepAliveTimeoutMs,
      headersTimeoutMs,
      trustProxy,
    }),
  );
  const root = options.logDestination
    ? { module: AppModule, imports: [LogDestinationModule.forRoot(options.logDestination)] }
    : AppModule;
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, {
    // Our own parser reads every body as JSON; see registerJsonBodyParser.
    bodyParser: false,
    bufferLogs: true,
  });
  // Nest's own logs and every `new Logger(...)` go through pino (LoggingModule, ADR-0018); the
  // lines buffered while the modules were created are written now.
  app.useLogger(app.get(Logger));
  const fastify = app.getHttpAdapter().getInstance();
  registerJsonBodyParser(fastify, BODY_LIMIT_BYTES);
  registerRequestIdHeader(fastify);
  // Security headers on every response, the Swagger UI's included (ADR-0025); CORS only for the
  // configured origins.
  registerSecurityHeaders(fastify, await helmetHeaders());
  if (corsOrigins.length > 0) app.enableCors(corsOptions(corsOrigins));
  setupOpenApi(app);
  await app.init();
  return app;
}
