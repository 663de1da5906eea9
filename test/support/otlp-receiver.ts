import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';

/** OTLP span kinds (opentelemetry-proto `Span.SpanKind`). */
export const SpanKind = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;
/** OTLP status codes (`Status.StatusCode`). */
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

/** A span as the service exported it, attributes flattened to plain values. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Absent (or empty) for a root span. */
  parentSpanId?: string;
  name: string;
  kind: number;
  /** Instrumentation scope: the instrumentation package, or the service's own tracer. */
  scope: string;
  /** The resource's `service.name`. */
  service: string;
  durationMs: number;
  attributes: Record<string, unknown>;
  status: { code?: number; message?: string };
  events: Array<{ name: string }>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: Array<{ key: string; value: OtlpValue }>;
  status?: { code?: number; message?: string };
  events?: Array<{ name: string }>;
}

interface OtlpTraceRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value: OtlpValue }> };
    scopeSpans?: Array<{ scope?: { name?: string }; spans?: OtlpSpan[] }>;
  }>;
}

function plain(value: OtlpValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(plain);
  return undefined;
}

function toSpan(span: OtlpSpan, scope: string, service: string): ReceivedSpan {
  const nanos = BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano);
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId || undefined,
    name: span.name,
    kind: span.kind,
    scope,
    service,
    durationMs: Number(nanos) / 1e6,
    attributes: Object.fromEntries((span.attributes ?? []).map((a) => [a.key, plain(a.value)])),
    status: span.status ?? {},
    events: span.events ?? [],
  };
}

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

/**
 * An OTLP/HTTP trace receiver on a loopback port, standing in for Jaeger's collector: it accepts
 * `POST /v1/traces` in the JSON encoding (what @opentelemetry/exporter-trace-otlp-http sends) and
 * keeps every span. Anything else is answered with an error and remembered, so a test fails
 * with the reason instead of timing out.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly problems: string[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<OtlpReceiver> {
    const server = createServer();
    const receiver = new OtlpReceiver(server);
    server.on('request', (request, response) => {
      void receiver.accept(request).then((problem) => {
        if (problem) receiver.problems.push(problem);
        response.writeHead(problem ? 400 : 200, { 'content-type': 'application/json' });
        response.end(problem ? JSON.stringify({ message: problem }) : '{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  /** The value for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends `/v1/traces`). */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Spans of one trace, in the order they arrived. */
  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId);
  }

  /** Waits for the first span, among those received from index `since` on, that matches. */
  async waitForSpan(
    matches: (span: ReceivedSpan) => boolean,
    { since = 0, timeoutMs = 10_000 } = {},
  ): Promise<ReceivedSpan> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.problems.length) throw new Error(`OTLP receiver: ${this.problems.join('; ')}`);
      const found = this.spans.slice(since).find(matches);
      if (found) return found;
      if (Date.now() > deadline) {
        const names = this.spans.slice(since).map((s) => s.name);
        throw new Error(`no matching span within ${timeoutMs} ms; received: ${names.join(', ')}`);
      }
      await sleep(20);
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async accept(request: IncomingMessage): Promise<string | undefined> {
    try {
      const body = await bodyOf(request);
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        return `unexpected ${request.method} ${request.url}`;
      }
      const type = request.headers['content-type'] ?? '';
      if (!type.startsWith('application/json')) return `expected OTLP JSON, got ${type}`;
      const payload = JSON.parse(body.toString('utf8')) as OtlpTraceRequest;
      for (const resourceSpans of payload.resourceSpans ?? []) {
        const resource = resourceSpans.resource?.attributes ?? [];
        const service = resource.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
          const scope = scopeSpans.scope?.name ?? '';
          for (const span of scopeSpans.spans ?? []) this.spans.push(toSpan(span, scope, service));
        }
      }
      return undefined;
    } catch (error) {
      return `unreadable export: ${(error as Error).message}`;
    }
  }
}
