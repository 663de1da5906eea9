import { trace } from '@opentelemetry/api';
import { node } from '@opentelemetry/sdk-node';
import type { FastifyRequest } from 'fastify';

import { nameServerSpan } from './route-span-names';

const exporter = new node.InMemorySpanExporter();
const provider = new node.NodeTracerProvider({
  spanProcessors: [new node.SimpleSpanProcessor(exporter)],
});

const request = (method: string, route: string | undefined) =>
  ({ method, routeOptions: { url: route } }) as unknown as FastifyRequest;

/** Runs nameServerSpan inside a span named as the HTTP instrumentation names it, and returns it. */
function serverSpanAfter(req: FastifyRequest) {
  exporter.reset();
  trace.getTracer('test').startActiveSpan(req.method, (span) => {
    nameServerSpan(req);
    span.end();
  });
  return exporter.getFinishedSpans()[0];
}

describe(nameServerSpan.name, () => {
  beforeAll(() => provider.register());
  afterAll(() => provider.shutdown());

  it('names the server span by method and route template, and sets http.route', () => {
    const span = serverSpanAfter(request('GET', '/favorites/:id'));
    expect(span.name).toBe('GET /favorites/:id');
    expect(span.attributes['http.route']).toBe('/favorites/:id');
  });

  it('leaves a request that matched no route with the bare method', () => {
    const span = serverSpanAfter(request('GET', undefined));
    expect(span.name).toBe('GET');
    expect(span.attributes['http.route']).toBeUndefined();
  });

  it('does nothing outside a span', () => {
    expect(() => nameServerSpan(request('GET', '/favorites'))).not.toThrow();
  });
});
