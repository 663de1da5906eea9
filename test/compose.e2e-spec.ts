import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { parse, stringify } from 'yaml';

import { validateEnvironment } from '../libs/config/src/environment';
import { hasPromtool } from './support/prometheus';
import { startTestApp, TestApp } from './support/test-app';
import { missingTools } from './support/tools';

const ROOT = join(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const readYaml = (path: string): any => parse(read(path));

/** Values for the variables the compose file requires from the environment. */
const SECRETS = {
  JWT_SECRET: 'compose-test-secret-0123456789abcdef0123456789',
  POSTGRES_PASSWORD: 'compose-test-password',
  GRAFANA_ADMIN_PASSWORD: 'compose-test-admin',
};

/** docker-compose v1 (Debian package), installed by .ci/run; outside CI it may be absent. */
const itWithCompose =
  missingTools('the compose file check', {
    'docker-compose': { command: 'docker-compose', args: ['version'] },
  }).length === 0
    ? it
    : it.skip;
const itWithPromtool = hasPromtool() ? it : it.skip;

/** `docker-compose config -q` with this environment: its exit code and complaints. */
async function composeConfig(env: Record<string, string>) {
  const { PATH, HOME } = process.env;
  return promisify(execFile)('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], {
    cwd: ROOT,
    env: { PATH, HOME, ...env },
  }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
}

/** Compose's `${NAME}`, `${NAME:?message}` and `${NAME:-default}`, from `env`. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_, name: string, kind, rest: string) => {
    if (env[name]) return env[name];
    if (kind === '-') return rest;
    throw new Error(`${name} is required: ${rest}`);
  });
}

/**
 * The metric names a PromQL expression reads: label matchers, strings, ranges, grouping clauses
 * and function calls taken out, what is left are names.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\b[a-z_]+\s*\(/g, '(');
  const keywords = new Set(['and', 'or', 'unless', 'offset', 'bool']);
  return [...bare.matchAll(/[a-zA-Z_:][\w:]*/g)]
    .map(([name]) => name)
    .filter((n) => !keywords.has(n));
}

/** The families of an exposition (`# TYPE name kind`), and the sample names each may have. */
function exposedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, kind] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (kind === 'histogram') ['_bucket', '_sum', '_count'].forEach((s) => names.add(name + s));
    if (kind === 'summary') ['_sum', '_count'].forEach((s) => names.add(name + s));
  }
  return names;
}

describe('docker-compose.yml (e2e)', () => {
  const compose = readYaml('docker-compose.yml');
  const { api, postgres, redis, jaeger, prometheus, grafana } = compose.services;
  const apiEnv: Record<string, string> = api.environment;

  itWithCompose(
    'parses with docker-compose, and refuses to start without the secrets',
    async () => {
      await expect(composeConfig(SECRETS)).resolves.toEqual({ code: 0, stderr: '' });
      for (const name of Object.keys(SECRETS)) {
        const rest = Object.fromEntries(Object.entries(SECRETS).filter(([n]) => n !== name));
        const result = await composeConfig(rest);
        expect(result.code).not.toBe(0);
        expect(result.stderr).toContain(`set ${name}`);
      }
    },
  );

  it('runs the service built here on PostgreSQL 16 and Redis 7, once they are healthy', () => {
    expect(api.build).toBe('.');
    expect(postgres.image).toMatch(/^postgres:16[.-]/);
    expect(redis.image).toMatch(/^redis:7[.-]/);
    expect(jaeger.image).toMatch(/^jaegertracing\/all-in-one:\d/);
    expect(api.depends_on).toMatchObject({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
    expect(postgres.healthcheck.test).toEqual(expect.arrayContaining(['CMD', 'pg_isready']));
    expect(redis.healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping']);

    // The environment the service gets is one it accepts, pointing at the other services.
    const env = Object.fromEntries(
      Object.entries(apiEnv).map(([name, value]) => [name, interpolate(String(value), SECRETS)]),
    );
    const config = validateEnvironment(env);
    expect(new URL(config.DATABASE_URL!).host).toBe('postgres:5432');
    expect(new URL(config.DATABASE_URL!).password).toBe(SECRETS.POSTGRES_PASSWORD);
    expect(new URL(env.REDIS_URL).host).toBe('redis:6379');
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://jaeger:4318');
    expect(config.APP_ENV).toBe('production');
    // Secrets only from the environment.
    expect(apiEnv.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?[^}]+\}$/);
    expect(postgres.environment.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?[^}]+\}$/);
    // Docker's default 10 s before SIGKILL would cut a graceful shutdown short.
    expect(Number(/^(\d+)s$/.exec(api.stop_grace_period)![1]) * 1000).toBeGreaterThan(
      config.SHUTDOWN_TIMEOUT_MS,
    );
    // Only loopback ports are published.
    for (const service of Object.values<any>(compose.services)) {
      for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
    }
  });

  it('has Prometheus scrape the api service on its metrics port and path', () => {
    const mount = (prometheus.volumes as string[]).find((v) =>
      v.startsWith('./deploy/compose/prometheus.yml:'),
    );
    expect(mount).toBe('./deploy/compose/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    expect(prometheus.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    const config = readYaml('deploy/compose/prometheus.yml');
    const job = config.scrape_configs.find((j: any) => j.job_name === 'favorites-service');
    expect(job.metrics_path ?? '/metrics').toBe('/metrics');
    const port = apiEnv.METRICS_PORT ?? apiEnv.PORT ?? '8080';
    expect(job.static_configs.flatMap((c: any) => c.targets)).toEqual([`api:${port}`]);
  });

  itWithPromtool('has a Prometheus configuration promtool accepts', () => {
    expect(() =>
      execFileSync('promtool', ['check', 'config', 'deploy/compose/prometheus.yml'], {
        cwd: ROOT,
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });

  describe('Grafana', () => {
    const mounts = Object.fromEntries(
      (grafana.volumes as string[])
        .filter((v) => v.startsWith('./'))
        .map((v) => v.split(':').slice(0, 2)),
    );
    const provisioning = 'deploy/compose/grafana/provisioning';
    const datasource = readYaml(`${provisioning}/datasources/prometheus.yml`).datasources[0];
    const provider = readYaml(`${provisioning}/dashboards/favorites.yml`).providers[0];
    const dashboard = JSON.parse(read('deploy/compose/grafana/dashboards/favorites-service.json'));
    const panels = (dashboard.panels as any[]).filter((p) => p.type !== 'row');
    const exprs: string[] = panels.flatMap((p) => p.targets.map((t: any) => t.expr));
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(async () => {
      await t?.close();
    });

    it('provisions the Prometheus datasource and the dashboard from the mounted folders', () => {
      expect(mounts[`./${provisioning}`]).toBe('/etc/grafana/provisioning');
      expect(datasource).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
      const dashboards = Object.entries(mounts).find(
        ([, target]) => target === provider.options.path,
      );
      expect(dashboards?.[0]).toBe('./deploy/compose/grafana/dashboards');
      for (const panel of panels) {
        expect(panel.datasource).toEqual({ type: 'prometheus', uid: datasource.uid });
      }
    });

    itWithPromtool('queries in valid PromQL (promtool, as recording rules)', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'favorites-dashboard-'));
      try {
        const rules = exprs.map((expr, i) => ({
          record: `dashboard:panel_query_${i}`,
          // Grafana's own variable, which Prometheus never sees.
          expr: expr.replaceAll('$__rate_interval', '1m'),
        }));
        const file = join(dir, 'rules.yml');
        await writeFile(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
        expect(() =>
          execFileSync('promtool', ['check', 'rules', file], { stdio: 'pipe' }),
        ).not.toThrow();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("charts the service's metrics: every name a panel queries is in its /metrics", async () => {
      const queried = new Set(exprs.flatMap(metricNames));
      for (const name of [
        'http_request_duration_seconds_bucket',
        'http_requests_total',
        'http_requests_in_flight',
        'http_requests_shed_total',
        'favorites_cache_reads_total',
        'favorites_cache_repairs_total',
        'cache_circuit_breaker_state',
        'db_circuit_breaker_state',
        'db_pool_connections',
        'favorites_streams_active',
      ]) {
        expect(queried).toContain(name);
      }
      const res = await t.api.get('/metrics');
      expect(res.status).toBe(200);
      const exposed = exposedNames(res.text);
      expect([...queried].filter((name) => !exposed.has(name))).toEqual([]);
    });
  });
});
