import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { stringify } from 'yaml';

import { AppModule } from '../app.module';
import { buildOpenApiDocument } from './openapi.document';

/**
 * The OpenAPI document as YAML, built from the code alone: preview mode resolves the module graph
 * without instantiating providers, so no database is needed.
 */
export async function renderOpenApiYaml(): Promise<string> {
  const app = await NestFactory.create(AppModule, new FastifyAdapter(), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    return stringify(buildOpenApiDocument(app), { sortMapEntries: false, lineWidth: 0 });
  } finally {
    await app.close();
  }
}
