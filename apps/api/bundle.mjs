// The service's runtime entry, dist/apps/api/main.js: the tsc output (`nest build`) of main.ts and
// every package it loads, bundled into one file with esbuild and whitespace-minified (ADR-0037).
// One file of ~5.9 MB instead of ~2,500 module sources of ~10 MiB: every one of them stays in the
// V8 heap as a string for the life of the process. Run by `npm run build` after `nest build api`;
// `node apps/api/bundle.mjs [entry] [outfile]` bundles another build (the e2e suites' own).
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build, stop } from 'esbuild';

export const ENTRY = 'dist/apps/api/apps/api/src/main.js';
export const OUTFILE = 'dist/apps/api/main.js';

/**
 * Left to Node's require from node_modules, each for a reason:
 * - pg, pg-*, ioredis: OpenTelemetry instruments them by hooking `require` (tracing.ts);
 * - @opentelemetry/*: the SDK and its instrumentations hook `require`; loaded only when tracing is on;
 * - bcrypt: a native addon; @electric-sql/*: loads its WebAssembly and data files from its folder;
 * - swagger-ui-dist: /docs serves its files from its folder;
 * - pino, pino-*, thread-stream: transports (pino-pretty) run in worker threads that load by path.
 */
export const EXTERNAL = [
  'pg',
  'pg-*',
  'ioredis',
  '@opentelemetry/*',
  'bcrypt',
  '@electric-sql/*',
  'swagger-ui-dist',
  'pino',
  'pino-*',
  'thread-stream',
];

/**
 * A package nothing installed provides stays a plain `require`, as Node would run it: Nest,
 * TypeORM and others require optional packages (`@nestjs/microservices`, `mysql`, ...) only in a
 * try or when configured to, and report their absence themselves.
 */
const missingPackagesStayRequires = {
  name: 'missing-packages-stay-requires',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, ({ path, importer }) => {
      try {
        createRequire(importer).resolve(path);
        return undefined;
      } catch {
        return { path, external: true };
      }
    });
  },
};

export async function bundleService({ entry = ENTRY, outfile = OUTFILE } = {}) {
  // esbuild's API runs its binary as a long-lived child process: stopped once the bundle is
  // built, so a process that bundles and then serves (the bench's ablated entry) does not keep it.
  let result;
  try {
    result = await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      // Whitespace and comments only: names stay as written (Nest, TypeORM and the logs read
      // class names), and a stack trace's function names read as in the sources.
      minifyWhitespace: true,
      legalComments: 'none',
      // Linked: `node --enable-source-maps` maps stack traces back to the TypeScript sources.
      sourcemap: 'linked',
      external: EXTERNAL,
      plugins: [missingPackagesStayRequires],
      logLevel: 'warning',
      write: false,
    });
  } finally {
    await stop();
  }
  await mkdir(dirname(outfile), { recursive: true });
  for (const file of result.outputFiles) {
    // esbuild escapes non-ASCII characters everywhere but in regular expression literals (in
    // validator's locale tables): one such character would make V8 hold the whole source as a
    // two-byte string, twice its size. Escaped there too, as \uXXXX, which means the same.
    const text = file.path.endsWith('.js')
      ? file.text.replace(
          /[\u0080-\uffff]/g,
          (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
        )
      : file.text;
    await writeFile(file.path, text);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [entry, outfile] = process.argv.slice(2);
  await bundleService({ entry, outfile });
}
