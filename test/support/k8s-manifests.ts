import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { parse, parseAllDocuments } from 'yaml';

import { isInstalled } from './tools';

/** A Kubernetes object as parsed: only the fields every object has are typed. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; [field: string]: unknown };
  [field: string]: unknown;
}

/** The kustomization fields the manifests use; any other is refused, so this reader cannot drift. */
const SUPPORTED = new Set([
  'apiVersion',
  'kind',
  'resources',
  'configMapGenerator',
  'secretGenerator',
  'images',
]);

interface Generator {
  name: string;
  envs?: string[];
}

interface Kustomization {
  resources?: string[];
  configMapGenerator?: Generator[];
  secretGenerator?: Generator[];
  images?: { name: string; newName?: string; newTag?: string }[];
}

/** `KEY=value` lines of an env file (kustomize's `envs`): comments and blank lines skipped. */
export function readEnvFile(path: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const text = line.trim();
    if (!text || text.startsWith('#')) continue;
    const eq = text.indexOf('=');
    if (eq <= 0) throw new Error(`${path}: not KEY=value: ${text}`);
    entries[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return entries;
}

function readDocuments(path: string): K8sObject[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0].message}`);
    return doc.toJS() as K8sObject;
  });
}

function generated(kind: 'ConfigMap' | 'Secret', dir: string, generator: Generator): K8sObject {
  const entries: Record<string, string> = {};
  for (const file of generator.envs ?? []) Object.assign(entries, readEnvFile(join(dir, file)));
  if (kind === 'ConfigMap') {
    return { apiVersion: 'v1', kind, metadata: { name: generator.name }, data: entries };
  }
  const data = Object.fromEntries(
    Object.entries(entries).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
  );
  return { apiVersion: 'v1', kind, metadata: { name: generator.name }, type: 'Opaque', data };
}

/** Every container of a workload's pod template, init containers first. */
export function containersOf(workload: K8sObject): Record<string, any>[] {
  const pod = (workload.spec as any)?.template?.spec ?? (workload.spec as any)?.jobTemplate;
  return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
}

/**
 * The objects `kubectl kustomize <dir>` would build, read with the yaml package alone: resources
 * (files, or directories holding a kustomization), env-file generators, image overrides. Names
 * carry no content hash; {@link withoutHashes} strips kubectl's for comparison.
 */
export function loadKustomization(dir: string): K8sObject[] {
  const file = join(dir, 'kustomization.yaml');
  const kustomization = parse(readFileSync(file, 'utf8')) as Kustomization;
  const unknown = Object.keys(kustomization).filter((key) => !SUPPORTED.has(key));
  if (unknown.length > 0) throw new Error(`${file}: unsupported fields ${unknown.join(', ')}`);
  const objects: K8sObject[] = [];
  for (const entry of kustomization.resources ?? []) {
    const path = resolve(dir, entry);
    objects.push(...(statSync(path).isDirectory() ? loadKustomization(path) : readDocuments(path)));
  }
  for (const generator of kustomization.configMapGenerator ?? []) {
    objects.push(generated('ConfigMap', dir, generator));
  }
  for (const generator of kustomization.secretGenerator ?? []) {
    objects.push(generated('Secret', dir, generator));
  }
  for (const image of kustomization.images ?? []) {
    for (const container of objects.flatMap(containersOf)) {
      const [name, tag] = String(container.image).split(':');
      if (name !== image.name) continue;
      const newTag = image.newTag ?? tag;
      container.image = `${image.newName ?? name}${newTag ? `:${newTag}` : ''}`;
    }
  }
  return objects;
}

const execFileAsync = promisify(execFile);

/**
 * Whether kubectl is installed. Optional even on CI: a new machine of this project's kind has none,
 * and the only one its registries offer (Debian's kubernetes-client, 1.20) embeds a kustomize too
 * old for these files. Without it the manifests are still read and checked with the yaml package.
 */
export function hasKubectl(): boolean {
  return isInstalled('kubectl', ['version', '--client']);
}

/** `kubectl kustomize <dir>`: the objects `kubectl apply -k` would send, rendered offline. */
export async function kubectlKustomize(dir: string): Promise<K8sObject[]> {
  const { stdout } = await execFileAsync('kubectl', ['kustomize', dir]);
  return parseAllDocuments(stdout).map((doc) => doc.toJS() as K8sObject);
}

/**
 * kubectl's rendering made comparable with {@link loadKustomization}'s: generated names'
 * `-<hash>` suffixes removed wherever they are referenced, and Secret values' base64 unwrapped
 * (kustomize folds it into lines, which the API server's decoder ignores).
 */
export function comparable(objects: K8sObject[]): K8sObject[] {
  const hashed = objects
    .filter((o) => o.kind === 'ConfigMap' || o.kind === 'Secret')
    .map((o) => /^(.*)-[a-z0-9]{10}$/.exec(o.metadata.name))
    .filter((match): match is RegExpExecArray => match !== null);
  let text = JSON.stringify(objects);
  for (const [full, base] of hashed) text = text.split(`"${full}"`).join(`"${base}"`);
  const result = JSON.parse(text) as K8sObject[];
  for (const secret of result.filter((o) => o.kind === 'Secret')) {
    const data = secret.data as Record<string, string>;
    for (const key of Object.keys(data)) data[key] = data[key].replace(/\s/g, '');
  }
  return result;
}

/** The one object of a kind (and name, if given); fails when there is none or several. */
export function only(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && (!name || o.metadata.name === name));
  if (found.length !== 1)
    throw new Error(`expected one ${kind} ${name ?? ''}, got ${found.length}`);
  return found[0];
}

/** A CPU quantity (`500m`, `2`) in cores, or a memory quantity (`256Mi`, `1Gi`, `1G`) in bytes. */
export function quantity(value: string | number): number {
  const match = /^(\d+(?:\.\d+)?)(m|k|M|G|Ki|Mi|Gi)?$/.exec(String(value));
  if (!match) throw new Error(`unsupported quantity ${value}`);
  const factor: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
  };
  return Number(match[1]) * (match[2] ? factor[match[2]] : 1);
}
