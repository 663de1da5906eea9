import {
  Context,
  context,
  ContextManager,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
} from '@opentelemetry/api';

import { createRootLogger, pinoLevel } from './root-logger';

/** A pino destination that keeps what is written. */
function capture() {
  const written: string[] = [];
  return {
    destination: { write: (line: string) => void written.push(line) },
    text: () => written.join(''),
    lines: () => written.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** Makes `context.with` set the active context, as the SDK's context manager does. */
class SynchronousContextManager implements ContextManager {
  private current: Context = ROOT_CONTEXT;
  active(): Context {
    return this.current;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const previous = this.current;
    this.current = ctx;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = previous;
    }
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.current = ROOT_CONTEXT;
    return this;
  }
}

describe(createRootLogger.name, () => {
  it.each([
    ['fatal', 'fatal'],
    ['error', 'error'],
    ['warn', 'warn'],
    ['log', 'info'],
    ['debug', 'debug'],
    ['verbose', 'trace'],
  ])('reads LOG_LEVEL %s as pino level %s', (nest, pino) => {
    expect(pinoLevel(nest)).toBe(pino);
  });

  it('refuses a level it does not know', () => {
    expect(() => pinoLevel('info')).toThrow('Unknown log level "info"');
  });

  it('writes JSON lines with a level label and an ISO time, at LOG_LEVEL and above', () => {
    const out = capture();
    const sut = createRootLogger({ env: 'production', logLevel: 'warn', ...out });

    sut.info('hidden');
    sut.warn({ context: 'Test' }, 'shown');

    expect(out.lines()).toEqual([
      {
        level: 'warn',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        pid: process.pid,
        hostname: expect.any(String),
        context: 'Test',
        msg: 'shown',
      },
    ]);
  });

  it('redacts credentials wherever a log call puts them', () => {
    const out = capture();
    const sut = createRootLogger({ env: 'production', logLevel: 'log', ...out });

    sut.info({
      req: { headers: { authorization: 'Bearer s-1', cookie: 'sid=s-2', accept: 'a/b' } },
      res: { headers: { 'set-cookie': 'sid=s-3' } },
      headers: { authorization: 'Bearer s-4' },
      password: 's-5',
      token: 's-6',
      refreshToken: 's-7',
      body: {
        password: 's-8',
        token: 's-9',
        refreshToken: 's-10',
        accessToken: 's-11',
        email: 'kept',
      },
    });

    expect(out.text()).not.toMatch(/s-\d|Bearer/);
    expect(out.lines()[0]).toMatchObject({
      req: { headers: { authorization: '[Redacted]', cookie: '[Redacted]', accept: 'a/b' } },
      body: { password: '[Redacted]', email: 'kept' },
    });
  });

  it('serialises errors: type, message, stack and their own fields', () => {
    const out = capture();
    const sut = createRootLogger({ env: 'production', logLevel: 'log', ...out });
    const error = Object.assign(new TypeError('bad thing'), { code: 'E_BAD' });

    sut.error({ err: error }, 'failed');
    sut.error(new RangeError('out of range'));

    const [first, second] = out.lines();
    expect(first).toMatchObject({
      msg: 'failed',
      err: {
        type: 'TypeError',
        message: 'bad thing',
        code: 'E_BAD',
        stack: expect.stringContaining('TypeError: bad thing\n    at '),
      },
    });
    expect(second).toMatchObject({ err: { type: 'RangeError', message: 'out of range' } });
  });

  it("redacts a failed query's bind values, and leaves out fields that are undefined", () => {
    const out = capture();
    const sut = createRootLogger({ env: 'production', logLevel: 'log', ...out });
    const error = Object.assign(new Error('duplicate key'), {
      parameters: ['someone@example.com'],
      detail: 'Key (email)=(someone@example.com) already exists.',
      driverError: { detail: undefined },
    });

    sut.error({ err: error });

    expect(out.text()).not.toContain('someone@example.com');
    expect(out.lines()[0]).toMatchObject({
      err: { parameters: '[Redacted]', detail: '[Redacted]', driverError: {} },
    });
  });

  describe('with an OpenTelemetry span active', () => {
    const manager = new SynchronousContextManager();
    const span = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };

    beforeAll(() => context.setGlobalContextManager(manager));
    afterAll(() => context.disable());

    it('adds its trace and span ids to every line, and nothing outside it', () => {
      const out = capture();
      const sut = createRootLogger({ env: 'production', logLevel: 'log', ...out });
      const traced = trace.setSpan(
        ROOT_CONTEXT,
        trace.wrapSpanContext({ ...span, traceFlags: TraceFlags.SAMPLED }),
      );

      context.with(traced, () => sut.child({ requestId: 'r1' }).info('inside'));
      sut.info('outside');

      const [inside, outside] = out.lines();
      expect(inside).toMatchObject({ trace_id: span.traceId, span_id: span.spanId, msg: 'inside' });
      expect(outside).not.toHaveProperty('trace_id');
      expect(outside).not.toHaveProperty('span_id');
    });
  });
});
