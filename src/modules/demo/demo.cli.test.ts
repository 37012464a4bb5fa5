import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The command line is checked before the store is opened: a bad option costs nothing and
// leaves no store behind.
const dataDir = mkdtempSync(join(tmpdir(), 'tandem-demo-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function tandem(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/tandem.js', 'demo', ...args], {
    env: { ...process.env, TANDEM_DATA_DIR: join(dataDir, 'store'), DATABASE_URL: '' },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('tandem demo (command line)', () => {
  it('documents its options', () => {
    const { status, stdout } = tandem('--help');
    expect(status).toBe(0);
    for (const option of ['--size <size>', '--seed <n>', '--workspace <slug>', '--today <date>', '--reset']) {
      expect(stdout).toContain(option);
    }
  });

  it.each([
    [['--size', 'xl'], '--size must be s, m or l, not "xl"'],
    [['--seed', '-3'], '--seed must be an integer from 0 to 4294967295, not "-3"'],
    [['--seed', '4294967296'], '--seed must be an integer from 0 to 4294967295, not "4294967296"'],
    [['--today', '2026-02-30'], '--today must be a date as YYYY-MM-DD, not "2026-02-30"'],
  ])('refuses %j with a message naming the option', (args, message) => {
    const { status, stderr } = tandem(...args);
    expect(status).toBe(1);
    expect(stderr).toContain(message);
    expect(readdirSync(dataDir)).toEqual([]);
  });
});
