import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { renderOpenApiYaml } from '../apps/api/src/openapi/openapi.yaml';
import { startTestApp, TestApp } from './support/test-app';

describe('Health and API docs (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(['/health', '/health/live', '/health/ready'])(
    'serves %s without a token',
    async (path) => {
      const res = await t.api.get(path);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('ok');
    },
  );

  it('reports draining, the database, migrations and the cache in readiness', async () => {
    const res = await t.api.get('/health/ready');
    expect(res.body.details).toEqual({
      shutdown: { status: 'up' },
      database: { status: 'up', breaker: 'closed' },
      migrations: { status: 'up' },
      cache: {
        status: 'up',
        backend: process.env.REDIS_URL ? 'redis' : 'in-process',
        breaker: 'closed',
      },
    });
  });

  it('serves Swagger UI at /docs and the document at /docs-json without a token', async () => {
    const ui = await t.api.get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
    const doc = await t.api.get('/docs-json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths).sort()).toEqual([
      '/auth/logout',
      '/auth/refresh',
      '/favorites',
      '/favorites/{id}',
      '/health',
      '/health/live',
      '/health/ready',
      '/login',
      '/me',
      '/signup',
    ]);
  });

  it('documents the Asset union as oneOf with a discriminator on type', async () => {
    const doc = (await t.api.get('/docs-json')).body;
    const body = doc.paths['/favorites'].post.requestBody.content['application/json'].schema;
    expect(body.discriminator.propertyName).toBe('type');
    expect(Object.keys(body.discriminator.mapping)).toEqual(['chart', 'insight', 'audience']);
    expect(body.oneOf).toHaveLength(3);
    const created =
      doc.paths['/favorites'].post.responses['201'].content['application/json'].schema;
    expect(created.oneOf).toHaveLength(3);
  });

  it('documents success and problem+json errors for every operation', async () => {
    const doc = (await t.api.get('/docs-json')).body;
    for (const [path, operations] of Object.entries<
      Record<string, { responses: Record<string, any> }>
    >(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const statuses = Object.keys(op.responses);
        expect({ path, method, success: statuses.some((s) => s.startsWith('2')) }).toEqual({
          path,
          method,
          success: true,
        });
        for (const status of statuses.filter((s) => Number(s) >= 400)) {
          expect(op.responses[status].content).toHaveProperty(['application/problem+json']);
        }
      }
    }
    expect(Object.keys(doc.paths['/favorites/{id}'].get.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '404']),
    );
  });

  it('keeps docs/openapi.yaml in step with the code (run `npm run openapi` after API changes)', async () => {
    const committed = readFileSync(join(__dirname, '..', 'docs', 'openapi.yaml'), 'utf8');
    await expect(renderOpenApiYaml()).resolves.toBe(committed);
  });
});
