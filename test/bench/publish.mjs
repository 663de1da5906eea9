// `node test/bench/publish.mjs [bench-results/bench-….md]`: copies a full run's tables (default:
// the latest) into docs/PERFORMANCE.md and its targets table into README.md, between their
// `<!-- bench…:begin -->` / `<!-- bench…:end -->` markers.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT } from './support.mjs';

const results = join(ROOT, 'bench-results');
const source =
  process.argv[2] ??
  join(
    results,
    readdirSync(results)
      .filter((name) => /^bench-\d.*\.md$/.test(name))
      .sort()
      .at(-1),
  );
const markdown = readFileSync(source, 'utf8').trim();
// The first table after the heading is the targets table.
const targets = markdown.split('\n\n').find((block) => block.startsWith('| scenario |'));

function splice(file, marker, text) {
  const path = join(ROOT, file);
  const content = readFileSync(path, 'utf8');
  const begin = `<!-- ${marker}:begin -->`;
  const end = `<!-- ${marker}:end -->`;
  const from = content.indexOf(begin);
  const to = content.indexOf(end);
  if (from === -1 || to < from) throw new Error(`${file}: no ${marker} markers`);
  writeFileSync(path, `${content.slice(0, from + begin.length)}\n${text}\n${content.slice(to)}`);
}

// The run's own heading becomes a sentence under the document's.
splice('docs/PERFORMANCE.md', 'bench', markdown.replace(/^# (.*)$/m, '**$1**'));
splice('README.md', 'bench-targets', targets);
console.error(`published ${source}`);
