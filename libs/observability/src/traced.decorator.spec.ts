import { SpanStatusCode, trace } from '@opentelemetry/api';
import { node } from '@opentelemetry/sdk-node';

import { activeTraceIds } from './active-trace-ids';
import { Traced } from './traced.decorator';

const exporter = new node.InMemorySpanExporter();
const provider = new node.NodeTracerProvider({
  spanProcessors: [new node.SimpleSpanProcessor(exporter)],
});

class Shelf {
  readonly items = ['a', 'b'];
  seen?: ReturnType<typeof activeTraceIds>;

  @Traced()
  async count(): Promise<number> {
    this.seen = activeTraceIds();
    await new Promise((resolve) => setImmediate(resolve));
    return this.items.length;
  }

  @Traced()
  async countTwice(): Promise<number> {
    return (await this.count()) + (await this.count());
  }

  @Traced({ name: 'shelf.first' })
  first(): string {
    return this.items[0];
  }

  @Traced()
  async missing(): Promise<never> {
    await Promise.resolve();
    throw new RangeError('no such item');
  }

  @Traced()
  broken(): never {
    throw new TypeError('broken at once');
  }

  @Traced({ root: true })
  async background(): Promise<void> {
    await Promise.resolve();
  }
}

describe(Traced.name, () => {
  let sut: Shelf;

  beforeAll(() => provider.register());
  afterAll(() => provider.shutdown());
  beforeEach(() => {
    exporter.reset();
    sut = new Shelf();
  });

  const spans = () => exporter.getFinishedSpans();

  it('wraps each call in a span named Class.method, active while the call runs', async () => {
    await expect(sut.count()).resolves.toBe(2);

    expect(spans()).toHaveLength(1);
    const [span] = spans();
    expect(span.name).toBe('Shelf.count');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    // activeTraceIds() inside the method saw this very span.
    expect(sut.seen).toEqual({
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
    });
  });

  it('nests the spans of traced calls made inside a traced call', async () => {
    await expect(sut.countTwice()).resolves.toBe(4);

    const [inner1, inner2, outer] = spans();
    expect(outer.name).toBe('Shelf.countTwice');
    for (const inner of [inner1, inner2]) {
      expect(inner.name).toBe('Shelf.count');
      expect(inner.spanContext().traceId).toBe(outer.spanContext().traceId);
      expect(inner.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    }
  });

  it('traces synchronous methods too, with a custom name', () => {
    expect(sut.first()).toBe('a');
    expect(spans().map((s) => s.name)).toEqual(['shelf.first']);
  });

  it('records a rejection as an exception with an error status, and rethrows it unchanged', async () => {
    await expect(sut.missing()).rejects.toThrow(new RangeError('no such item'));

    const [span] = spans();
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no such item' });
    expect(span.events.map((e) => [e.name, e.attributes?.['exception.type']])).toEqual([
      ['exception', 'RangeError'],
    ]);
  });

  it('records a synchronous throw the same way', () => {
    expect(() => sut.broken()).toThrow(TypeError);
    const [span] = spans();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.ended).toBe(true);
  });

  it('starts a trace of its own for background work when asked', async () => {
    const tracer = trace.getTracer('test');
    await tracer.startActiveSpan('request', async (request) => {
      await sut.background();
      request.end();
    });

    const [background, request] = spans();
    expect(background.name).toBe('Shelf.background');
    expect(background.parentSpanContext).toBeUndefined();
    expect(background.spanContext().traceId).not.toBe(request.spanContext().traceId);
  });

  it('keeps the method name', () => {
    expect(Shelf.prototype.count.name).toBe('count');
  });
});

describe(activeTraceIds.name, () => {
  it('is undefined outside any span', () => {
    expect(activeTraceIds()).toBeUndefined();
  });
});
