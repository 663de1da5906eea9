/**
 * OpenTelemetry tracing, started before any other module loads: the instrumentations patch `http`,
 * `pg` and `ioredis` as they are required, so anything loaded earlier would go untraced. main.ts
 * imports this file first.
 *
 * On when OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set and
 * OTEL_SDK_DISABLED is not `true`. Off, it loads nothing and starts nothing: the API's tracer
 * stays a no-op. It runs before the config module exists, so it reads those standard OTEL_*
 * variables from the environment itself (ADR-0017).
 */
import type * as TracingSdk from './tracing-sdk';

/** A collector that does not answer must not hold the shutdown for the exporter's 10 s timeout. */
const SHUTDOWN_TIMEOUT_MS = 5000;

function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return Boolean(
    env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim(),
  );
}

let sdk: ReturnType<typeof TracingSdk.startTracingSdk> | undefined;
let stopped: Promise<void> | undefined;

/**
 * Exports the spans still batched and stops the SDK; at most once, and within a few seconds even
 * when the collector is down. For the application's shutdown to await last; also run when the
 * event loop empties (`beforeExit`). Resolves at once when tracing is off.
 */
export function shutdownTracing(): Promise<void> {
  if (!sdk) return Promise.resolve();
  stopped ??= new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, SHUTDOWN_TIMEOUT_MS).unref();
    sdk!
      .shutdown()
      .catch((error: unknown) => console.error('OpenTelemetry shutdown failed:', error))
      .finally(() => {
        clearTimeout(timer);
        resolve();
      });
  });
  return stopped;
}

if (tracingRequested(process.env)) {
  // A require, not an import: the SDK (~0.5 s to load) is loaded only when tracing is on.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTracingSdk } = require('./tracing-sdk') as typeof TracingSdk;
  try {
    sdk = startTracingSdk();
    process.once('beforeExit', () => void shutdownTracing());
  } catch (error) {
    // Traces are worth less than the service: run untraced rather than not at all.
    console.error('OpenTelemetry could not start; running without tracing:', error);
  }
}
