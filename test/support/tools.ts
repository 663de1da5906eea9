import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Whether `command args` runs: a program on the PATH answering, say, its version flag. */
export function isInstalled(command: string, args = ['--version']): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** How a suite finds one of the programs it needs: a command that must answer, or a file. */
export type Tool = { command: string; args?: string[] } | { path: string };

/**
 * The programs of `tools` that are missing, by name. `.ci/run` installs every one of them, so on
 * CI (`CI=true`) a missing program is an error, never a skip; elsewhere the suite says what it
 * skips and why.
 */
export function missingTools(suite: string, tools: Record<string, Tool>): string[] {
  const missing = Object.entries(tools)
    .filter(([, tool]) =>
      'path' in tool ? !existsSync(tool.path) : !isInstalled(tool.command, tool.args),
    )
    .map(([name]) => name);
  if (missing.length === 0) return missing;
  if (process.env.CI === 'true') {
    throw new Error(`CI=true: ${suite} needs ${missing.join(', ')} (apt-get install)`);
  }
  console.warn(`${suite} skipped: ${missing.join(', ')} not installed`);
  return missing;
}
