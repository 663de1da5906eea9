import type { IncomingMessage } from 'node:http';

import {
  getNodeAutoInstrumentations,
  InstrumentationConfigMap,
} from '@opentelemetry/auto-instrumentations-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';

/** Probes and scrapes: polled every few seconds, they would bury the requests worth reading. */
const UNTRACED_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

type Instrumented =
  | '@opentelemetry/instrumentation-http'
  | '@opentelemetry/instrumentation-pg'
  | '@opentelemetry/instrumentation-ioredis';

/**
 * Everything else the auto-instrumentations package knows is off: fs, dns and net make spans for
 * every file read and socket, nestjs-core duplicates our service spans, pino is the logging
 * code's business, the rest are libraries this service does not use. Listed in full (the type
 * requires every name), so an upgrade that adds one fails the build until someone decides.
 */
const OFF = { enabled: false } as const;
const NOT_INSTRUMENTED: Required<
  Record<Exclude<keyof InstrumentationConfigMap, Instrumented>, typeof OFF>
> = {
  '@opentelemetry/instrumentation-amqplib': OFF,
  '@opentelemetry/instrumentation-aws-lambda': OFF,
  '@opentelemetry/instrumentation-aws-sdk': OFF,
  '@opentelemetry/instrumentation-bunyan': OFF,
  '@opentelemetry/instrumentation-cassandra-driver': OFF,
  '@opentelemetry/instrumentation-connect': OFF,
  '@opentelemetry/instrumentation-cucumber': OFF,
  '@opentelemetry/instrumentation-dataloader': OFF,
  '@opentelemetry/instrumentation-dns': OFF,
  '@opentelemetry/instrumentation-express': OFF,
  '@opentelemetry/instrumentation-fs': OFF,
  '@opentelemetry/instrumentation-generic-pool': OFF,
  '@opentelemetry/instrumentation-graphql': OFF,
  '@opentelemetry/instrumentation-grpc': OFF,
  '@opentelemetry/instrumentation-hapi': OFF,
  '@opentelemetry/instrumentation-host-metrics': OFF,
  '@opentelemetry/instrumentation-kafkajs': OFF,
  '@opentelemetry/instrumentation-knex': OFF,
  '@opentelemetry/instrumentation-koa': OFF,
  '@opentelemetry/instrumentation-lru-memoizer': OFF,
  '@opentelemetry/instrumentation-memcached': OFF,
  '@opentelemetry/instrumentation-mongodb': OFF,
  '@opentelemetry/instrumentation-mongoose': OFF,
  '@opentelemetry/instrumentation-mysql': OFF,
  '@opentelemetry/instrumentation-mysql2': OFF,
  '@opentelemetry/instrumentation-nestjs-core': OFF,
  '@opentelemetry/instrumentation-net': OFF,
  '@opentelemetry/instrumentation-openai': OFF,
  '@opentelemetry/instrumentation-oracledb': OFF,
  '@opentelemetry/instrumentation-pino': OFF,
  '@opentelemetry/instrumentation-redis': OFF,
  '@opentelemetry/instrumentation-restify': OFF,
  '@opentelemetry/instrumentation-router': OFF,
  '@opentelemetry/instrumentation-runtime-node': OFF,
  '@opentelemetry/instrumentation-socket.io': OFF,
  '@opentelemetry/instrumentation-tedious': OFF,
  '@opentelemetry/instrumentation-undici': OFF,
  '@opentelemetry/instrumentation-winston': OFF,
};

/**
 * A Redis command as `db.query.text`: the command and its key, never the values. The default
 * serializer prints every argument of EVAL/EVALSHA, which for our scripts is the users' Asset JSON
 * (up to a thousand of them per rebuild batch) and, on a script cache miss, the whole Lua source.
 */
export function redisStatement(command: string, args: ReadonlyArray<unknown>): string {
  const name = command.toUpperCase();
  if (name === 'EVALSHA' || name === 'EVAL') {
    const keyCount = Number(args[1]);
    const keys = Number.isInteger(keyCount) ? args.slice(2, 2 + keyCount) : [];
    const script = name === 'EVALSHA' ? String(args[0]) : '<script>';
    return [name, script, keys.length, ...keys.map(String)].join(' ');
  }
  if (args.length === 0) return name;
  const rest = args.length > 1 ? ` [${args.length - 1} more arguments]` : '';
  return `${name} ${String(args[0])}${rest}`;
}

/**
 * The OpenTelemetry SDK as this service runs it: traces only (metrics are Prometheus's, logs go to
 * stdout), sent as OTLP/HTTP JSON to OTEL_EXPORTER_OTLP_ENDPOINT (`/v1/traces` appended) in
 * batches (OTEL_BSP_*), spans from HTTP, PostgreSQL and Redis. Loaded only when tracing is on.
 */
export function startTracingSdk(): NodeSDK {
  const instrumented: Pick<InstrumentationConfigMap, Instrumented> = {
    '@opentelemetry/instrumentation-http': {
      ignoreIncomingRequestHook: (request: IncomingMessage) =>
        UNTRACED_PATHS.has((request.url ?? '').split('?')[0]),
      // The service calls no HTTP API; the exporter's own requests are not worth tracing.
      disableOutgoingRequestInstrumentation: true,
    },
    // Queries and commands outside any request or operation (start-up migrations, the Redis
    // client's connection handshake) would each become a lone trace of one span.
    '@opentelemetry/instrumentation-pg': { requireParentSpan: true },
    '@opentelemetry/instrumentation-ioredis': {
      requireParentSpan: true,
      dbStatementSerializer: redisStatement,
    },
  };
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME?.trim() || 'favorites-service',
    traceExporter: new OTLPTraceExporter(),
    // Empty lists, not absent ones: absent, the SDK would start OTLP metric and log exporters.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [getNodeAutoInstrumentations({ ...NOT_INSTRUMENTED, ...instrumented })],
  });
  sdk.start();
  return sdk;
}
