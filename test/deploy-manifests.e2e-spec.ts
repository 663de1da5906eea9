import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { getMetadataStorage } from 'class-validator';

import { DrainState } from '../apps/api/src/health/drain-state';
import { Environment, validateEnvironment } from '../libs/config/src/environment';
import {
  comparable,
  containersOf,
  hasKubectl,
  K8sObject,
  kubectlKustomize,
  loadKustomization,
  only,
  quantity,
  readEnvFile,
} from './support/k8s-manifests';
import { startTestApp, TestApp } from './support/test-app';

const ROOT = join(__dirname, '..');
const BASE = join(ROOT, 'deploy/k8s/base');
const PRODUCTION = join(ROOT, 'deploy/k8s/overlays/production');
const SECRET_EXAMPLE = join(PRODUCTION, '.env.secret.example');
/** What the service cannot start without in production, and must never read from a ConfigMap. */
const SECRET_KEYS = ['JWT_SECRET', 'DATABASE_URL', 'REDIS_URL'];

/** kubectl renders kustomizations offline; where it is missing, only its comparison is skipped. */
const kubectl = hasKubectl();
const itWithKubectl = kubectl ? it : it.skip;
if (!kubectl) console.warn('kubectl is not on PATH: skipping the kubectl kustomize comparison');

/** Every variable the service validates (environment.ts), optional ones included. */
const CONFIG_KEYS = new Set(
  getMetadataStorage()
    .getTargetValidationMetadatas(Environment, '', true, false)
    .map((metadata) => metadata.propertyName),
);

/**
 * The production overlay, rendered from a copy of deploy/k8s in which the committed example stands
 * in for the git-ignored `.env.secret`.
 */
async function withExampleSecret<T>(render: (overlay: string) => T | Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'k8s-'));
  try {
    cpSync(join(ROOT, 'deploy/k8s'), dir, { recursive: true });
    copyFileSync(SECRET_EXAMPLE, join(dir, 'overlays/production/.env.secret'));
    return await render(join(dir, 'overlays/production'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The facts of one rendering the checks below need, looked up once. */
function describeRendering(objects: K8sObject[]) {
  const deployment = only(objects, 'Deployment');
  const spec = deployment.spec as any;
  const pod = spec.template.spec;
  const api = pod.containers.find((c: any) => c.name === 'api');
  const migrate = (pod.initContainers ?? []).find((c: any) => c.name === 'migrate');
  const configMapName = api.envFrom.find((e: any) => e.configMapRef).configMapRef.name;
  const config = only(objects, 'ConfigMap', configMapName).data as Record<string, string>;
  const portNamed = (port: number | string): number =>
    typeof port === 'number' ? port : api.ports.find((p: any) => p.name === port).containerPort;
  return { deployment, spec, pod, api, migrate, config, portNamed };
}

describe('Kubernetes manifests (e2e)', () => {
  const yamlBase = loadKustomization(BASE);
  // Built once per source; the checks run on the YAML as read and, with kubectl, as rendered.
  const renderings: [string, () => Promise<K8sObject[]>][] = [
    ['base (yaml)', () => Promise.resolve(yamlBase)],
    ['production overlay (yaml)', () => withExampleSecret(loadKustomization)],
  ];
  if (kubectl) {
    renderings.push(
      ['base (kubectl kustomize)', () => kubectlKustomize(BASE)],
      ['production overlay (kubectl kustomize)', () => withExampleSecret(kubectlKustomize)],
    );
  }

  itWithKubectl('reads the kustomizations exactly as kubectl kustomize renders them', async () => {
    const sorted = (objects: K8sObject[]) =>
      [...objects].sort((a, b) =>
        `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`),
      );
    const base = await kubectlKustomize(BASE);
    expect(sorted(comparable(base))).toEqual(sorted(yamlBase));
    const production = await withExampleSecret(kubectlKustomize);
    const yamlProduction = await withExampleSecret(loadKustomization);
    expect(sorted(comparable(production))).toEqual(sorted(yamlProduction));
    // Generated names carry a content hash, so a changed setting or secret rolls the pods.
    const { api } = describeRendering(production);
    expect(api.envFrom[0].configMapRef.name).toMatch(/^favorites-config-[a-z0-9]{10}$/);
    expect(api.env[0].valueFrom.secretKeyRef.name).toMatch(/^favorites-secrets-[a-z0-9]{10}$/);
  });

  describe.each(renderings)('%s', (_name, render) => {
    let objects: K8sObject[];
    let r: ReturnType<typeof describeRendering>;

    beforeAll(async () => {
      objects = await render();
      r = describeRendering(objects);
    });

    it('holds the objects a deployment needs, and no Secret of its own in the base', () => {
      const kinds = objects.map((o) => o.kind).sort();
      expect(kinds).toEqual(
        expect.arrayContaining([
          'ConfigMap',
          'Deployment',
          'HorizontalPodAutoscaler',
          'PodDisruptionBudget',
          'Service',
          'ServiceAccount',
        ]),
      );
      if (_name.startsWith('base')) expect(kinds).not.toContain('Secret');
    });

    it('points every port at PORT: probes, containerPort, Service targetPort', () => {
      const port = Number(r.config.PORT);
      expect(r.portNamed('http')).toBe(port);
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        expect(r.api[probe].httpGet).toBeDefined(); // distroless: no shell for an exec probe
        expect(r.portNamed(r.api[probe].httpGet.port)).toBe(port);
      }
      const service = only(objects, 'Service').spec as any;
      expect(service.ports).toHaveLength(1);
      expect(r.portNamed(service.ports[0].targetPort)).toBe(port);
      // Metrics: on METRICS_PORT, where the scrape annotations point, and not on the Service.
      const metricsPort = Number(r.config.METRICS_PORT);
      expect(r.portNamed('metrics')).toBe(metricsPort);
      const annotations = r.spec.template.metadata.annotations;
      expect(Number(annotations['prometheus.io/port'])).toBe(metricsPort);
      expect(annotations['prometheus.io/path']).toBe('/metrics');
      expect(service.ports.map((p: any) => r.portNamed(p.targetPort))).not.toContain(metricsPort);
    });

    it('gives the shutdown its whole course within the grace period', () => {
      const preStop = r.api.lifecycle?.preStop;
      // No shell in the image: a pause can only be the kubelet's sleep action, if any.
      if (preStop) expect(Object.keys(preStop)).toEqual(['sleep']);
      const preStopSeconds = preStop?.sleep?.seconds ?? 0;
      const drainSeconds = Number(r.config.SHUTDOWN_DRAIN_DELAY_MS) / 1000;
      const timeoutSeconds = Number(r.config.SHUTDOWN_TIMEOUT_MS) / 1000;
      // Pods keep serving for a while after SIGTERM while endpoints and proxies catch up.
      expect(preStopSeconds + drainSeconds).toBeGreaterThanOrEqual(5);
      expect(r.pod.terminationGracePeriodSeconds).toBeGreaterThan(
        preStopSeconds + drainSeconds + timeoutSeconds,
      );
    });

    it('sets only variables the service reads, and a configuration it accepts', () => {
      const set = [
        ...Object.keys(r.config),
        ...containersOf(r.deployment).flatMap((c) => (c.env ?? []).map((e: any) => e.name)),
      ];
      expect(set.filter((name) => !CONFIG_KEYS.has(name))).toEqual([]);
      const secrets = readEnvFile(SECRET_EXAMPLE);
      expect(Object.keys(secrets).sort()).toEqual([...SECRET_KEYS].sort());
      const env = validateEnvironment({ ...r.config, ...secrets });
      expect(env.APP_ENV).toBe('production');
      expect(env.DATABASE_RUN_MIGRATIONS).toBe(false);
    });

    it('takes JWT_SECRET, DATABASE_URL and REDIS_URL from one Secret, never the ConfigMap', () => {
      for (const key of SECRET_KEYS) expect(r.config).not.toHaveProperty(key);
      type SecretKeyRef = { name: string; key: string; optional?: boolean };
      const refs: Record<string, SecretKeyRef> = Object.fromEntries(
        (r.api.env ?? [])
          .filter((e: any) => e.valueFrom?.secretKeyRef)
          .map((e: any) => [e.name, e.valueFrom.secretKeyRef]),
      );
      expect(Object.keys(refs).sort()).toEqual([...SECRET_KEYS].sort());
      const names = new Set(Object.values(refs).map((ref) => ref.name));
      expect(names.size).toBe(1);
      for (const [key, ref] of Object.entries(refs)) {
        expect(ref.key).toBe(key);
        expect(ref.optional).toBeUndefined();
      }
      const secret = objects.find((o) => o.kind === 'Secret');
      if (secret) {
        expect(secret.metadata.name).toBe([...names][0]);
        expect(Object.keys(secret.data as object).sort()).toEqual([...SECRET_KEYS].sort());
      }
    });

    it('migrates before the API starts: migrate.js, same image, same DATABASE_URL', () => {
      // `npm run migrate`: "npm run build && node <the built migrate.js>"
      const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      };
      const migrateScript = /node (\S+migrate\.js)$/.exec(scripts.migrate)?.[1];
      expect(migrateScript).toBeDefined();
      expect(r.migrate).toBeDefined();
      expect(r.migrate.args).toEqual([migrateScript]);
      expect(r.migrate.command).toBeUndefined(); // the image's entry point: node
      expect(r.migrate.image).toBe(r.api.image);
      expect(r.migrate.envFrom).toEqual(r.api.envFrom);
      expect(r.migrate.env).toEqual(r.api.env);
      expect(r.config.DATABASE_RUN_MIGRATIONS).toBe('false');
      expect(objects.filter((o) => o.kind === 'Job')).toEqual([]);
    });

    it('requests no more than it limits, for every container', () => {
      for (const container of containersOf(r.deployment)) {
        const { requests, limits } = container.resources;
        for (const resource of ['cpu', 'memory']) {
          expect(quantity(requests[resource])).toBeLessThanOrEqual(quantity(limits[resource]));
        }
      }
    });

    it('selects the pods it means: Deployment, Service, PDB; the HPA scales the Deployment', () => {
      const labels = r.spec.template.metadata.labels;
      const selects = (selector: Record<string, string>) => {
        expect(Object.keys(selector).length).toBeGreaterThan(0);
        expect(labels).toMatchObject(selector);
      };
      selects(r.spec.selector.matchLabels);
      selects((only(objects, 'Service').spec as any).selector);
      const pdb = only(objects, 'PodDisruptionBudget');
      expect(pdb.apiVersion).toBe('policy/v1');
      selects((pdb.spec as any).selector.matchLabels);
      expect((pdb.spec as any).maxUnavailable).toBe(1);
      for (const constraint of r.pod.topologySpreadConstraints) {
        selects(constraint.labelSelector.matchLabels);
      }
      const hpa = only(objects, 'HorizontalPodAutoscaler');
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      const target = (hpa.spec as any).scaleTargetRef;
      expect(target).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: r.deployment.metadata.name,
      });
      expect((hpa.spec as any).minReplicas).toBeGreaterThanOrEqual(2);
      expect((hpa.spec as any).metrics[0].resource.name).toBe('cpu');
      // The HPA owns the replica count: a fixed one would reset it on every apply.
      expect(r.spec.replicas).toBeUndefined();
    });

    it('runs unprivileged: non-root, read-only root, no capabilities, no API token', () => {
      expect(r.pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(r.pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(r.pod.automountServiceAccountToken).toBe(false);
      const account = only(objects, 'ServiceAccount', r.pod.serviceAccountName);
      expect(account.automountServiceAccountToken).toBe(false);
      for (const container of containersOf(r.deployment)) {
        expect(container.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
      }
      expect(r.pod.volumes).toBeUndefined(); // nothing writable is mounted either
    });
  });

  describe('probes on the real service', () => {
    let t: TestApp;
    const { api } = describeRendering(yamlBase);
    const paths = {
      startup: api.startupProbe.httpGet.path as string,
      liveness: api.livenessProbe.httpGet.path as string,
      readiness: api.readinessProbe.httpGet.path as string,
    };

    beforeAll(async () => {
      t = await startTestApp({ truncate: false });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('answers 200 on every probe path', async () => {
      for (const path of Object.values(paths)) expect((await t.api.get(path)).status).toBe(200);
    });

    it('keeps PostgreSQL out of liveness and start-up, and gates readiness on it', async () => {
      for (const path of [paths.startup, paths.liveness]) {
        expect(Object.keys((await t.api.get(path)).body.details)).toEqual(['eventLoop']);
      }
      expect(Object.keys((await t.api.get(paths.readiness)).body.details)).toEqual(
        expect.arrayContaining(['shutdown', 'database', 'migrations']),
      );
    });

    it('takes a draining pod out of rotation without restarting it', async () => {
      t.app.get(DrainState).start();
      expect((await t.api.get(paths.readiness)).status).toBe(503);
      expect((await t.api.get(paths.liveness)).status).toBe(200);
      expect((await t.api.get(paths.startup)).status).toBe(200);
    });
  });
});
