import { trace } from '@opentelemetry/api';

import { activeTraceIds } from './active-trace-ids';
import { Traced } from './traced.decorator';

// No SDK registered in this file: what every request sees when tracing is off.
class Counter {
  calls = 0;
  seen?: ReturnType<typeof activeTraceIds> | 'not called';

  @Traced()
  async next(): Promise<number> {
    this.seen = activeTraceIds();
    await Promise.resolve();
    return ++this.calls;
  }

  @Traced()
  fail(): never {
    throw new Error('nope');
  }
}

describe('tracing off (no SDK)', () => {
  it('leaves traced methods doing exactly what they did', async () => {
    const sut = new Counter();
    await expect(sut.next()).resolves.toBe(1);
    await expect(sut.next()).resolves.toBe(2);
    expect(() => sut.fail()).toThrow('nope');
  });

  it('reports no trace ids, even inside a span', async () => {
    const sut = new Counter();
    await sut.next();
    expect(sut.seen).toBeUndefined();
    trace.getTracer('test').startActiveSpan('request', (span) => {
      expect(activeTraceIds()).toBeUndefined();
      span.end();
    });
  });
});
