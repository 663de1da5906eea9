import { execFile } from 'node:child_process';
import {
  cp,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, posix, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

import {
  copyPaths,
  Dockerfile,
  dockerIgnores,
  envOf,
  execForm,
  Instruction,
  instructionsOf,
  parseDockerfile,
  Stage,
} from './dockerfile';

export const ROOT = resolve(__dirname, '../..');
/** Where the distroless Node images keep node; here it is this process's node. */
export const IMAGE_NODE = '/nodejs/bin/node';

export interface ImageContents {
  dockerfile: Dockerfile;
  /** The final stage's WORKDIR: what the image would hold there. */
  dir: string;
  /** ENTRYPOINT and CMD, with this machine's node for the image's. */
  command: string[];
  /** The final stage's ENV. */
  env: Record<string, string>;
  /** Each stage's RUN commands as run here, and how long they took. */
  log: string[];
  remove(): Promise<void>;
}

/** Every file under `path` (a file or folder of the context) that .dockerignore lets through. */
async function contextFiles(path: string, ignored: (path: string) => boolean): Promise<string[]> {
  const stat = await lstat(join(ROOT, path));
  if (!stat.isDirectory()) return ignored(path) ? [] : [path];
  const entries = await readdir(join(ROOT, path));
  const nested = await Promise.all(
    entries.map((entry) => contextFiles(posix.join(path, entry), ignored)),
  );
  return nested.flat();
}

/** Running a stage here: its WORKDIR is a folder of ours. */
class StageRun {
  workdir = '/';

  constructor(
    readonly stage: Stage,
    readonly dir: string,
  ) {}

  /** A path of the stage's file system, as a path here; only inside its WORKDIR. */
  local(path: string): string {
    const absolute = posix.resolve(this.workdir, path);
    const inside = posix.relative(this.workdir, absolute);
    if (inside.startsWith('..')) throw new Error(`${path} is outside WORKDIR ${this.workdir}`);
    return join(this.dir, inside);
  }
}

/** A clean environment for RUN: none of Jest's NODE_ENV=test or npm's npm_config_* leak in. */
function runEnvironment(stage: Stage): NodeJS.ProcessEnv {
  const { PATH, HOME, TMPDIR } = process.env;
  return { PATH, HOME, TMPDIR, ...envOf(stage) };
}

/**
 * The image's final stage assembled without Docker, by performing the Dockerfile's own
 * instructions: each stage gets a folder for its WORKDIR, COPY takes from the build context
 * (filtered by .dockerignore) or from an earlier stage's folder, RUN runs in a shell there. One
 * stand-in: the build stage's full `npm ci` is this checkout's node_modules (same lockfile),
 * linked, as a cold full install would take minutes. The production install (`npm ci
 * --omit=dev ...`) runs as written. What differs from the image: the base image's node (this
 * machine's Node 20 here), and the files around WORKDIR.
 */
export async function assembleImage(
  dockerfilePath = join(ROOT, 'Dockerfile'),
): Promise<ImageContents> {
  const dockerfile = parseDockerfile(dockerfilePath);
  const ignored = dockerIgnores(await readFile(join(ROOT, '.dockerignore'), 'utf8'));
  const tmp = await mkdtemp(join(tmpdir(), 'favorites-image-'));
  const runs = new Map<string, Promise<StageRun>>();
  const log: string[] = [];
  // Stages run side by side, as BuildKit runs them: one waits only for those it copies from.
  for (const [index, stage] of dockerfile.stages.entries()) {
    const final = stage === dockerfile.final;
    const performed = (async () => {
      const run = new StageRun(stage, join(tmp, stage.name ?? `stage-${index}`));
      await mkdir(run.dir, { recursive: true });
      for (const instruction of stage.instructions) {
        await perform(instruction, run, { runs, ignored, log, final });
      }
      return run;
    })();
    runs.set(stage.name ?? String(index), performed);
  }
  const settled = await Promise.allSettled(runs.values());
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) {
    await rm(tmp, { recursive: true, force: true });
    throw failed.reason;
  }
  const final = await runs.get(dockerfile.final.name ?? String(dockerfile.stages.length - 1))!;
  const entrypoint = instructionsOf(dockerfile.final, 'ENTRYPOINT').map((i) => execForm(i.args));
  const cmd = instructionsOf(dockerfile.final, 'CMD').map((i) => execForm(i.args));
  const command = [...(entrypoint.pop() ?? []), ...(cmd.pop() ?? [])].map((arg) =>
    arg === IMAGE_NODE ? process.execPath : arg,
  );
  return {
    dockerfile,
    dir: final.dir,
    command,
    env: envOf(dockerfile.final),
    log,
    remove: () => rm(tmp, { recursive: true, force: true }),
  };
}

interface Context {
  runs: Map<string, Promise<StageRun>>;
  ignored: (path: string) => boolean;
  log: string[];
  final: boolean;
}

async function perform(instruction: Instruction, run: StageRun, context: Context): Promise<void> {
  const { keyword, args, flags } = instruction;
  switch (keyword) {
    case 'WORKDIR':
      run.workdir = posix.resolve(run.workdir, args);
      return;
    case 'COPY':
      return flags.from
        ? copyFromStage(instruction, run, context)
        : copyFromContext(instruction, run, context);
    case 'RUN':
      if (context.final)
        throw new Error('RUN in the final stage: the distroless image has no shell');
      return runCommand(args, run, context);
    case 'ARG':
    case 'ENV':
    case 'USER':
    case 'EXPOSE':
    case 'HEALTHCHECK':
    case 'ENTRYPOINT':
    case 'CMD':
    case 'LABEL':
      return; // read from the Dockerfile by whoever needs them
    default:
      throw new Error(`${keyword} is not performed by assembleImage: extend it or avoid it`);
  }
}

/** Docker's rules: into a folder when the destination ends with `/` or there are several sources. */
function target(run: StageRun, source: string, destination: string, many: boolean): string {
  return destination.endsWith('/') || many
    ? join(run.local(destination), basename(source))
    : run.local(destination);
}

async function copyFromContext(instruction: Instruction, run: StageRun, context: Context) {
  const { sources, destination } = copyPaths(instruction);
  for (const source of sources) {
    const files = await contextFiles(source, context.ignored);
    if (files.length === 0)
      throw new Error(`COPY ${source}: .dockerignore leaves it out of the context`);
    const base = target(run, source, destination, sources.length > 1);
    for (const file of files) {
      const to = file === source ? base : join(base, relative(source, file));
      await cp(join(ROOT, file), to, { recursive: false, force: true });
    }
  }
}

async function copyFromStage(instruction: Instruction, run: StageRun, context: Context) {
  const stage = context.runs.get(instruction.flags.from);
  if (!stage) throw new Error(`COPY --from=${instruction.flags.from}: no such earlier stage`);
  const from = await stage;
  const { sources, destination } = copyPaths(instruction);
  const started = performance.now();
  for (const source of sources) {
    await linkTree(from.local(source), target(run, source, destination, sources.length > 1));
  }
  context.log.push(
    `${run.stage.name ?? 'final'}: COPY ${instruction.args} (${seconds(started)} s)`,
  );
}

/**
 * A copy made of hard links: the same bytes as `cp -r` gives, in a second rather than the minute
 * that copying ~280 MB of node_modules takes here. Nothing writes to either side afterwards.
 */
async function linkTree(from: string, to: string): Promise<void> {
  const stat = await lstat(from);
  if (stat.isSymbolicLink()) return symlink(await readlink(from), to);
  if (!stat.isDirectory()) return link(from, to);
  await mkdir(to, { recursive: true });
  const entries = await readdir(from);
  await Promise.all(entries.map((entry) => linkTree(join(from, entry), join(to, entry))));
}

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

async function runCommand(command: string, run: StageRun, context: Context) {
  const started = performance.now();
  if (/^npm ci\b/.test(command) && !/--omit=dev\b/.test(command)) {
    // The stand-in for the full install (see assembleImage).
    await symlink(join(ROOT, 'node_modules'), join(run.dir, 'node_modules'), 'dir');
    context.log.push(`${run.stage.name}: ${command} (linked this checkout's node_modules instead)`);
    return;
  }
  try {
    await promisify(execFile)('sh', ['-c', command], {
      cwd: run.dir,
      env: runEnvironment(run.stage),
      maxBuffer: 64 << 20,
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`RUN ${command} failed:\n${stdout}${stderr}`);
  }
  context.log.push(`${run.stage.name}: RUN ${command} (${seconds(started)} s)`);
}
