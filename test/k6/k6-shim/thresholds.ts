/** A metric sample as a VU of the shim reports it (k6's model: a value with tags). */
export interface Sample {
  metric: string;
  type: MetricType;
  value: number;
  tags: Record<string, string>;
}

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';

export interface ThresholdResult {
  /** As written in `options.thresholds`: `http_req_duration{endpoint:list}`. */
  key: string;
  expression: string;
  /** The aggregate's value over the matching samples; undefined when none matched. */
  actual: number | undefined;
  samples: number;
  ok: boolean;
}

const KEY = /^([a-zA-Z_][a-zA-Z0-9_]*)(?:\{(.+)\})?$/;
const EXPRESSION =
  /^\s*(avg|min|max|med|count|rate|value|p\((\d+(?:\.\d+)?)\))\s*(<=|>=|<|>|===|==|!=)\s*(-?\d+(?:\.\d+)?)\s*$/;

/** Which aggregates k6 allows on each metric type. */
const AGGREGATES: Record<MetricType, RegExp> = {
  counter: /^(count|rate)$/,
  gauge: /^(value|min|max)$/,
  rate: /^rate$/,
  trend: /^(avg|min|max|med|p\(.+\))$/,
};

/** k6's percentile: linear interpolation between the closest ranks of the sorted values. */
export function percentile(sorted: number[], p: number): number {
  const i = (p / 100) * (sorted.length - 1);
  const low = sorted[Math.floor(i)];
  const high = sorted[Math.ceil(i)];
  return low + (high - low) * (i - Math.floor(i));
}

function parseKey(key: string): { metric: string; tags: [string, string][] } {
  const match = KEY.exec(key);
  if (!match) throw new Error(`threshold ${key}: not a metric name with optional {tag:value}`);
  const tags = (match[2] ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair): [string, string] => {
      const colon = pair.indexOf(':');
      if (colon < 1) throw new Error(`threshold ${key}: tag filter ${pair} is not name:value`);
      return [pair.slice(0, colon).trim(), pair.slice(colon + 1).trim()];
    });
  return { metric: match[1], tags };
}

function aggregate(name: string, p: string | undefined, values: number[], seconds: number) {
  const sum = values.reduce((total, value) => total + value, 0);
  const sorted = [...values].sort((a, b) => a - b);
  switch (name) {
    case 'avg':
      return sum / values.length;
    case 'min':
      return sorted[0];
    case 'max':
      return sorted[sorted.length - 1];
    case 'med':
      return percentile(sorted, 50);
    case 'count':
      return sum;
    case 'value':
      return values[values.length - 1];
    default:
      if (p !== undefined) return percentile(sorted, Number(p));
  }
  return name === 'rate' && seconds > 0 ? sum / seconds : NaN;
}

function compare(actual: number, operator: string, expected: number): boolean {
  switch (operator) {
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    case '>=':
      return actual >= expected;
    case '!=':
      return actual !== expected;
    default:
      return actual === expected;
  }
}

/**
 * Evaluates `options.thresholds` over the run's samples as k6 does at the end of a run: a
 * threshold over no samples passes (as in k6), an unknown metric or an aggregate its type does
 * not have is an error (as in k6 0.45+).
 */
export function evaluateThresholds(
  thresholds: Record<string, (string | { threshold: string })[]>,
  metrics: Record<string, MetricType>,
  samples: Sample[],
  durationSeconds: number,
): ThresholdResult[] {
  return Object.entries(thresholds).flatMap(([key, expressions]) => {
    const { metric, tags } = parseKey(key);
    const type = metrics[metric];
    if (!type) throw new Error(`threshold ${key}: no metric ${metric}`);
    const matching = samples
      .filter((s) => s.metric === metric && tags.every(([name, value]) => s.tags[name] === value))
      .map((s) => s.value);
    return expressions.map((entry) => {
      const expression = typeof entry === 'string' ? entry : entry.threshold;
      const match = EXPRESSION.exec(expression);
      if (!match) throw new Error(`threshold ${key}: cannot parse ${expression}`);
      const [, name, p, operator, expected] = match;
      if (!AGGREGATES[type].test(name)) {
        throw new Error(`threshold ${key}: ${name} is not an aggregate of a ${type}`);
      }
      if (matching.length === 0) {
        return { key, expression, actual: undefined, samples: 0, ok: true };
      }
      // A Rate's `rate` is the share of non-zero samples; a Counter's, per second of the run.
      const actual =
        type === 'rate'
          ? matching.reduce((total, value) => total + value, 0) / matching.length
          : aggregate(name, p, matching, durationSeconds);
      return {
        key,
        expression,
        actual,
        samples: matching.length,
        ok: compare(actual, operator, Number(expected)),
      };
    });
  });
}
