import { isSpanContextValid, trace } from '@opentelemetry/api';

export interface TraceIds {
  traceId: string;
  spanId: string;
}

/**
 * The W3C trace and span ids of the span active here (a request's, or one of its operations'),
 * for log lines and error bodies; undefined when tracing is off or nothing is being traced.
 */
export function activeTraceIds(): TraceIds | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !isSpanContextValid(context)) return undefined;
  return { traceId: context.traceId, spanId: context.spanId };
}
