import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `tandem import` and `tandem export` as a user runs them: a separate process on an
// embedded store of its own.
const run = promisify(execFile);
const BIN = resolve('bin/tandem.js');
let dir: string;
let env: NodeJS.ProcessEnv;

async function tandem(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [BIN, ...args], { env, cwd: dir, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tandem-cli-'));
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  env = { ...rest, TANDEM_DATA_DIR: join(dir, 'store'), TZ: 'UTC' };
  const created = await tandem(
    'users',
    'create',
    '--email',
    'admin@example.com',
    '--name',
    'Admin 01',
    '--role',
    'admin',
  );
  expect(created.code).toBe(0);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tandem import / export', () => {
  it('imports good rows, writes the rejected ones next to the input, and exits 0', async () => {
    writeFileSync(
      join(dir, 'leads.csv'),
      [
        'external_id,email,stage',
        'C1,cli1@example.com,mql',
        'C2,broken,lead',
        'C3,cli3@example.com,sql',
      ].join('\n'),
    );
    const result = await tandem('import', 'tandem', 'leads.csv');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/rows read\s+3/);
    expect(result.stdout).toMatch(/created\s+2\s+\(leads 2\)/);
    expect(result.stdout).toMatch(/rejected\s+1\s+-> .*leads\.rejected\.csv/);
    const rejected = readFileSync(join(dir, 'leads.rejected.csv'), 'utf8').trim().split('\n');
    expect(rejected).toEqual([
      'file,line,reason,raw',
      'leads.csv,3,"email: ""broken"" is not an email address","C2,broken,lead"',
    ]);
  });

  it('exports what it imported, to a file or standard output', async () => {
    const toFile = await tandem('export', 'leads', '--out', 'leads-export.csv');
    expect(toFile.code).toBe(0);
    const lines = readFileSync(join(dir, 'leads-export.csv'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]?.startsWith('C1,cli1@example.com,')).toBe(true);
    // The export re-imports as it is: both rows match, nothing is created or rejected.
    const again = await tandem('import', 'tandem', 'leads-export.csv', '--resource', 'leads', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ rowsRead: 2, created: 0, updated: 2, rejected: 0 });
  });

  it('fails with a clear message and a non-zero code on an unknown format or unreadable file', async () => {
    // None of these opens the store, so they run side by side.
    const [format, missing, resource] = await Promise.all([
      tandem('import', 'excel', 'leads.csv'),
      tandem('import', 'tandem', 'nope.csv'),
      tandem('export', 'widgets'),
    ]);
    expect(format.code).toBe(1);
    expect(format.stderr).toContain(
      'unknown format "excel"; use one of tandem, hubspot, salesforce, olist, maven-crm',
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read nope.csv');
    expect(resource.code).toBe(1);
    expect(resource.stderr).toContain('resource: "widgets" is not one of');
  });
});
