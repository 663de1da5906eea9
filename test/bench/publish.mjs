// `node test/bench/publish.mjs [bench-results/bench-….md]`: copies a full run's tables (default:
// the latest) into docs/PERFORMANCE.md and its targets table into README.md, and the latest
// ablation run of each path into docs/PERFORMANCE.md, between their `<!-- …:begin -->` /
// `<!-- …:end -->` markers.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT } from './support.mjs';

const results = join(ROOT, 'bench-results');
const latest = (pattern) => {
  const name = readdirSync(results)
    .filter((file) => pattern.test(file))
    .sort()
    .at(-1);
  return name && join(results, name);
};
const source = process.argv[2] ?? latest(/^bench-\d.*\.md$/);
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
for (const path of ['warm', 'off']) {
  const ablation = latest(new RegExp(`^ablation-${path}-\\d.*\\.md$`));
  if (!ablation) continue;
  const text = readFileSync(ablation, 'utf8').trim();
  splice('docs/PERFORMANCE.md', `ablation-${path}`, text.replace(/^# (.*)$/m, '**$1**'));
  console.error(`published ${ablation}`);
}
