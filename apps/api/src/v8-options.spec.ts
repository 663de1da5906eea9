import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { ModuleKind, transpileModule } from 'typescript';

/**
 * A process that teaches one object literal's allocation site that its objects live long (200,000
 * of them survive young-generation collections), then makes 10,000 more from the same site and
 * reports how many bytes each generation grew by. With pretenuring, V8 puts those straight in the
 * old generation (~50 bytes each); without, they are born young.
 */
const PROBE = `
const v8 = require('node:v8');
const make = (i) => ({ id: i, name: 'n', at: i * 2 });
const used = () =>
  Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]));
let kept = [];
for (let i = 0; i < 200000; i++) kept.push(make(i));
kept = null;
globalThis.gc();
const before = used();
for (let i = 0; i < 10000; i++) make(i);
const after = used();
process.stdout.write(
  JSON.stringify({ old: after.old_space - before.old_space, young: after.new_space - before.new_space }),
);
`;

describe('v8-options', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'v8-options-'));
    // The module as it ships (CommonJS), to be loaded first in a fresh process as main.ts does.
    const source = await readFile(join(__dirname, 'v8-options.ts'), 'utf8');
    const { outputText } = transpileModule(source, {
      compilerOptions: { module: ModuleKind.CommonJS },
    });
    await writeFile(join(dir, 'v8-options.js'), outputText);
    await writeFile(join(dir, 'probe.js'), PROBE);
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Where the probe's last 10,000 objects went, in a fresh node process. */
  async function growth(preload: string[]): Promise<{ old: number; young: number }> {
    // A young generation fixed at 1 MiB is always at its full size: V8 tenures a site only on a
    // collection of a full-sized young generation, so the probe's outcome does not depend on
    // how far the young generation has grown. `--predictable`: no concurrent GC tasks, whose
    // timing on a loaded machine (CI) left the control's site untenured in about 1 run of 10;
    // with it, 0 of 30 under two busy loops, the module's case as well.
    const args = [
      '--expose-gc',
      '--predictable',
      '--min-semi-space-size=1',
      '--max-semi-space-size=1',
      ...preload,
      join(dir, 'probe.js'),
    ];
    const { stdout } = await promisify(execFile)(process.execPath, args);
    return JSON.parse(stdout) as { old: number; young: number };
  }

  it('without it, V8 allocates a long-lived literal site straight in the old generation', async () => {
    // The control: shows the probe detects pretenuring on this Node, so the next test can fail.
    const { old } = await growth([]);
    expect(old).toBeGreaterThan(10_000 * 24);
  });

  /** The growing factor V8 applies to the old generation's limit after a full collection. */
  async function growingFactor(preload: string[]): Promise<number> {
    // 40 MB live in the old generation (about the service's own), then a full collection, whose
    // factor V8 reports as "[HeapController] factor 1.4 based on …" (V8 13, Node 24) or, before,
    // at the end of "[HeapController] Limit: old size: …, new limit: … (1.4)" (V8 11, Node 20).
    const script = 'const a = []; for (let i = 0; i < 1e6; i++) a.push({ i }); gc(); gc();';
    const args = ['--expose-gc', '--trace-gc-verbose', ...preload, '-e', script];
    const { stdout } = await promisify(execFile)(process.execPath, args, {
      maxBuffer: 16 * 1024 * 1024,
    });
    const factors = [
      ...stdout.matchAll(
        /\[HeapController\] (?:factor (\d+(?:\.\d+)?) based on|Limit: .*\((\d+(?:\.\d+)?)\)$)/gm,
      ),
    ];
    expect(factors.length).toBeGreaterThan(0);
    const last = factors.at(-1)!;
    return Number(last[1] ?? last[2]);
  }

  it('without it, V8 lets the old generation grow by a factor of its own choosing', async () => {
    await expect(growingFactor([])).resolves.toBeGreaterThan(2);
  });

  it('loaded first, it holds the old generation to 1.4 times its live size', async () => {
    await expect(growingFactor(['--require', join(dir, 'v8-options.js')])).resolves.toBe(1.4);
  });

  it('loaded first, it turns allocation-site pretenuring off for the whole process', async () => {
    const { old, young } = await growth(['--require', join(dir, 'v8-options.js')]);
    expect(young).toBeGreaterThan(10_000 * 24);
    expect(old).toBeLessThan(64 * 1024);
  });
});
