import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

import { getMetadataStorage } from 'class-validator';

import { Environment } from '../libs/config/src/environment';

const ROOT = join(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Variables read outside the validated Environment: tracing starts before Nest (ADR-0017). */
const READ_BEFORE_CONFIG = ['OTEL_SERVICE_NAME', 'OTEL_SDK_DISABLED'];

/** Every variable the service validates at boot, from class-validator's own metadata. */
function environmentVariables(): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(Environment, '', true, false);
  return [...new Set(metadata.map((entry) => entry.propertyName))].sort();
}

/** The text of a `## heading` section of a Markdown file, up to the next `## `. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no "## ${heading}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

/** Upper-case names in backticks in the first column of a Markdown table. */
function firstColumnNames(markdown: string): string[] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .flatMap((line) => [...line.split('|')[1].matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]));
}

function filesUnder(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** Markdown links to files of the repository: `[text](path)` and `[text](path#anchor)`. */
function localLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
    .map((m) => m[1])
    .filter((target) => !/^[a-z]+:/.test(target));
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens. */
function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

describe('documentation matches the code (e2e)', () => {
  const readme = read('README.md');
  const variables = environmentVariables();

  it('reads the validated variables from the Environment class', () => {
    expect(variables).toEqual(expect.arrayContaining(['PORT', 'DATABASE_URL', 'JWT_SECRET']));
  });

  it('documents every configuration variable in the README table and .env.example, and no other', () => {
    const table = firstColumnNames(section(readme, 'Configuration'));
    const example = read('.env.example');

    expect(variables.filter((name) => !table.includes(name))).toEqual([]);
    expect(variables.filter((name) => !new RegExp(`^#? ?${name}=`, 'm').test(example))).toEqual([]);
    const known = new Set([...variables, ...READ_BEFORE_CONFIG]);
    expect(table.filter((name) => !known.has(name))).toEqual([]);
  });

  it('links only to files that exist', () => {
    const documents = ['README.md', ...filesUnder('docs').filter((path) => path.endsWith('.md'))];
    const broken = documents.flatMap((document) =>
      localLinks(read(document))
        .filter((target) => !existsSync(join(ROOT, dirname(document), target)))
        .map((target) => `${document} -> ${target}`),
    );
    expect(broken).toEqual([]);
  });

  it('links only to sections that exist within each document', () => {
    const documents = ['README.md', ...filesUnder('docs').filter((path) => path.endsWith('.md'))];
    const broken = documents.flatMap((document) => {
      const text = read(document);
      const anchors = new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => githubAnchor(m[1])));
      return [...text.matchAll(/\]\(#([^)]+)\)/g)]
        .map((m) => m[1])
        .filter((anchor) => !anchors.has(anchor))
        .map((anchor) => `${document} -> #${anchor}`);
    });
    expect(broken).toEqual([]);
  });

  it('maps every feature folder and library in PROJECT_STRUCTURE.md', () => {
    const map = read('docs/PROJECT_STRUCTURE.md');
    const features = readdirSync(join(ROOT, 'apps/api/src'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${entry.name}/`);
    const libraries = readdirSync(join(ROOT, 'libs')).map((name) => `${name}/`);
    const testFolders = readdirSync(join(ROOT, 'test'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${entry.name}/`);

    const unmapped = [...features, ...libraries, ...testFolders].filter(
      (folder) => !map.includes(` ${folder}`),
    );
    expect(unmapped).toEqual([]);
  });

  it('names in PROJECT_STRUCTURE.md only source files that exist', () => {
    const map = read('docs/PROJECT_STRUCTURE.md');
    const existing = new Set(
      ['apps', 'libs', 'test'].flatMap(filesUnder).map((path) => path.split('/').pop()),
    );
    const named = [...map.matchAll(/(?<![\w.*-])([\w.-]+\.(?:ts|mjs|js))\b/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(50);
    expect([...new Set(named)].filter((name) => !existing.has(name))).toEqual([]);
  });

  it('refers only to ADRs that exist, each with context, decision and consequences', () => {
    const decisions = read('docs/DECISIONS.md');
    const records = decisions.split(/\n(?=## ADR-\d{4})/).slice(1);
    const numbers = records.map((record) => Number(/^## ADR-(\d{4})/.exec(record)![1]));
    expect(numbers).toEqual(numbers.map((_, index) => index + 1));
    for (const record of records) {
      expect({ record: record.split('\n')[0], context: record.includes('**Context.**') }).toEqual({
        record: record.split('\n')[0],
        context: true,
      });
      expect(record).toContain('**Decision.**');
      expect(record).toContain('**Consequences.**');
    }

    const sources = [
      'README.md',
      'docs/ARCHITECTURE.md',
      'docs/PROJECT_STRUCTURE.md',
      ...['apps', 'libs', 'test'].flatMap(filesUnder).filter((path) => /\.(ts|mjs)$/.test(path)),
    ];
    const cited = sources.flatMap((path) =>
      [...read(path).matchAll(/ADR-(\d{4})/g)].map((m) => ({ path, adr: Number(m[1]) })),
    );
    expect(cited.length).toBeGreaterThan(20);
    expect(cited.filter(({ adr }) => !numbers.includes(adr))).toEqual([]);
  });
});
