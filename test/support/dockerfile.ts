import { readFileSync } from 'node:fs';

export interface Instruction {
  /** Upper case: FROM, COPY, RUN... */
  keyword: string;
  /** `--from=build` and the like, by name. */
  flags: Record<string, string>;
  /** What follows the keyword and its flags, continuation lines joined. */
  args: string;
}

export interface Stage {
  /** The FROM image, build arguments substituted. */
  image: string;
  name?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  stages: Stage[];
  /** The stage the image is made of: the last one. */
  final: Stage;
}

const FLAG = /^--([\w-]+)=(\S+)\s+/;

function parseInstruction(line: string): Instruction {
  const match = /^(\w+)\s+([\s\S]*)$/.exec(line);
  if (!match) throw new Error(`not a Dockerfile instruction: ${line}`);
  let rest = match[2].trim();
  const flags: Record<string, string> = {};
  for (let flag = FLAG.exec(rest); flag; flag = FLAG.exec(rest)) {
    flags[flag[1]] = flag[2];
    rest = rest.slice(flag[0].length);
  }
  return { keyword: match[1].toUpperCase(), flags, args: rest };
}

/**
 * The stages of a Dockerfile: enough of the syntax for ours (comments, `\` continuations, global
 * ARG defaults in FROM), so the tests run what it says rather than a copy that could drift.
 */
export function parseDockerfile(path: string): Dockerfile {
  const lines: string[] = [];
  let pending = '';
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (!line && !pending)) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    lines.push(pending + line);
    pending = '';
  }
  const buildArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of lines.map(parseInstruction)) {
    if (instruction.keyword === 'ARG' && stages.length === 0) {
      const [name, value = ''] = instruction.args.split('=', 2);
      buildArgs[name] = value;
    } else if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args
        .replace(/\$\{(\w+)\}/g, (_, arg: string) => buildArgs[arg] ?? '')
        .split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      if (stages.length === 0) throw new Error(`${instruction.keyword} before FROM in ${path}`);
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  if (stages.length === 0) throw new Error(`no FROM in ${path}`);
  return { stages, final: stages[stages.length - 1] };
}

/** The instructions of a stage with this keyword. */
export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** An exec-form argument list (`["/nodejs/bin/node", "-e", "..."]`); throws on the shell form. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`not an exec-form list: ${args}`);
  }
  return parsed;
}

/** The variables of ENV instructions (`ENV A=1 B=2`). */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of instructionsOf(stage, 'ENV')) {
    for (const [, name, value] of args.matchAll(/(\w+)=(\S*)/g)) env[name] = value;
  }
  return env;
}

/** A COPY's sources and destination (`COPY a b ./`). */
export function copyPaths(instruction: Instruction): { sources: string[]; destination: string } {
  const parts = instruction.args.split(/\s+/);
  return { sources: parts.slice(0, -1), destination: parts[parts.length - 1] };
}

function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      source += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/**
 * Whether Docker leaves a path of the build context out, by .dockerignore's rules: patterns in
 * order, the last one matching the path or one of its parent folders wins, `!` puts it back.
 */
export function dockerIgnores(dockerignore: string): (path: string) => boolean {
  const rules = dockerignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const include = line.startsWith('!');
      const pattern = (include ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
      return { include, regexp: globToRegExp(pattern) };
    });
  return (path) => {
    const parts = path.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const { include, regexp } of rules) {
      if (prefixes.some((prefix) => regexp.test(prefix))) ignored = !include;
    }
    return ignored;
  };
}
