import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { startTestApp, TestApp } from './support/test-app';

/** The bash block between the walkthrough markers of README.md, exactly as a reader copies it. */
function readmeWalkthrough(): string {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const section =
    /<!-- walkthrough:start -->\s*```bash\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme);
  if (!section) throw new Error('README.md has no walkthrough block');
  return section[1];
}

describe('README walkthrough (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs as written: signup, login, one asset of each type, list, stream, edit, delete', async () => {
    const { stdout } = await promisify(execFile)(
      'bash',
      ['-euo', 'pipefail', '-c', readmeWalkthrough()],
      {
        env: { ...process.env, BASE: t.url },
      },
    );
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(10);
    const [account, chart, insight, audience, list, ...rest] = lines
      .slice(0, 9)
      .map((l) => JSON.parse(l));
    const [streamed, edited] = [rest.slice(0, 3), rest[3]];
    expect(account).toMatchObject({ email: 'ada@example.com' });
    expect([chart.type, insight.type, audience.type]).toEqual(['chart', 'insight', 'audience']);
    expect(list).toMatchObject({ total: 3, page: 1, limit: 2, nextCursor: expect.any(String) });
    expect(list.data.map((a: { id: string }) => a.id)).toEqual(['audience-1', 'insight-1']);
    expect(streamed).toEqual([audience, insight, chart]);
    expect(edited).toMatchObject({ id: 'chart-1', description: 'Shared with the growth team' });
    expect(lines[9]).toBe('204');
  });
});
