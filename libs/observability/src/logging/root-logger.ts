import pino, { DestinationStream, Level, Logger, LoggerOptions } from 'pino';
import type PinoPretty from 'pino-pretty';

import { AppEnv } from '@app/config';

import { activeTraceIds } from '../active-trace-ids';

/**
 * LOG_LEVEL keeps the names Nest uses (the service documented them first); pino's equivalents.
 * Nest's `log` is pino's `info`, its `verbose` pino's `trace`.
 */
const PINO_LEVELS: Readonly<Record<string, Level>> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

export function pinoLevel(nestLevel: string): Level {
  const level = PINO_LEVELS[nestLevel];
  if (!level) throw new Error(`Unknown log level ${JSON.stringify(nestLevel)}`);
  return level;
}

/**
 * Secrets that must never reach a log line, wherever a log call puts them. Request and response
 * bodies and headers are not logged at all; these paths catch what a log call passes on its own
 * (a headers object, a credentials DTO, a token response). `*.x` matches one level down only,
 * hence the top-level names as well.
 */
export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  '*.headers.authorization',
  '*.headers.cookie',
  'authorization',
  'cookie',
  'password',
  'token',
  'accessToken',
  'refreshToken',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  // A failed query's bind values (TypeORM's QueryFailedError) and PostgreSQL's echo of them
  // (`Key (email)=(...) already exists`): user data, such as an email at sign-up.
  'err.parameters',
  'err.detail',
  'err.driverError.detail',
];

/**
 * The active OpenTelemetry span's ids on every line, under the names the OpenTelemetry log data
 * model and its pino instrumentation use, so a log search and a trace link up. Nothing when
 * tracing is off or no span is active.
 */
function traceFields(): { trace_id?: string; span_id?: string } {
  const ids = activeTraceIds();
  return ids ? { trace_id: ids.traceId, span_id: ids.spanId } : {};
}

export function rootLoggerOptions(nestLevel: string): LoggerOptions {
  return {
    level: pinoLevel(nestLevel),
    // Labels ("warn"), not numbers (40): what log platforms and people grep for.
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
    // A key that is there but undefined (pg errors have every field) stays out of the line.
    redact: {
      paths: [...REDACTED_PATHS],
      censor: (value: unknown) => (value === undefined ? undefined : '[Redacted]'),
    },
    // Type, message, stack, cause and own fields (a DomainError's code): never `{}`.
    serializers: { err: pino.stdSerializers.err },
    mixin: traceFields,
  };
}

/**
 * pino-pretty is a dev dependency: present where people read logs in a terminal, absent from a
 * production install. Undefined when it cannot be loaded, and the logs stay JSON.
 */
function prettyDestination(): DestinationStream | undefined {
  let path: string;
  try {
    path = require.resolve('pino-pretty');
  } catch {
    return undefined;
  }
  // A require, not an import: production code must load without the package.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pretty = require(path) as (options: PinoPretty.PrettyOptions) => DestinationStream;
  return pretty({
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
    singleLine: true,
  });
}

/** The process's one pino logger, as a provider of LoggingModule. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

export interface RootLoggerSettings {
  env: AppEnv;
  /** A Nest level name (LOG_LEVEL). */
  logLevel: string;
  /** Where lines go instead of stdout (tests read them); always JSON. */
  destination?: DestinationStream;
}

/**
 * The process's one pino logger: request lines, and every Nest `Logger` through nestjs-pino.
 * JSON on stdout, one object per line; pretty only in `local` and `development` and only where
 * pino-pretty is installed.
 */
export function createRootLogger(settings: RootLoggerSettings): Logger {
  const options = rootLoggerOptions(settings.logLevel);
  if (settings.destination) return pino(options, settings.destination);
  const readable = settings.env === 'local' || settings.env === 'development';
  const pretty = readable ? prettyDestination() : undefined;
  return pretty ? pino(options, pretty) : pino(options);
}
