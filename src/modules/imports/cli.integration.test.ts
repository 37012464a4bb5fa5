import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/database.ts';
import { systemCaller } from '../auth/auth.ts';
import { saveModel } from '../scoring/scoring.service.ts';

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

  it('rescores every lead under the saved scoring model right after the import, handing off the new MQLs', async () => {
    // An admin saved a model: form fills are worth 25 points, a lead is an MQL at 50.
    const store = await openDatabase({ dataDir: join(dir, 'store') });
    try {
      const workspace = await store.db
        .selectFrom('workspaces')
        .select('id')
        .orderBy('id')
        .executeTakeFirstOrThrow();
      await saveModel(store.db, systemCaller(workspace.id), {
        version: 0,
        fit_rules: [],
        engagement_rules: [{ id: 'forms', name: 'Form fills', type: 'form_fill', points: 25 }],
        thresholds: { mql: 50, warm: 20, hot: 45 },
      });
    } finally {
      await store.close();
    }
    writeFileSync(
      join(dir, 'leads.scored.csv'),
      ['external_id,email,stage', 'C4,cli4@example.com,lead'].join('\n'),
    );
    writeFileSync(
      join(dir, 'touchpoints.scored.csv'),
      [
        'external_id,lead_external_id,type,occurred_at',
        'CT1,C4,form_fill,2026-01-06T10:00:00Z',
        'CT2,C4,form_fill,2026-01-07T10:00:00Z',
        'CT3,C1,form_fill,2026-01-07T10:00:00Z',
      ].join('\n'),
    );
    const result = await tandem('import', 'tandem', 'leads.scored.csv', 'touchpoints.scored.csv', '--json');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    // Three leads in the store (C1 and C3 earlier, C4 now): all rescored; only C4 crosses 50 from
    // the stage "lead" (C1 is an MQL already).
    expect(summary.rescored).toEqual({
      jobId: summary.scoringJobId,
      leads: 3,
      handedOff: 1,
      status: 'completed',
    });
    const after = await openDatabase({ dataDir: join(dir, 'store') });
    try {
      const leads = await after.db
        .selectFrom('leads')
        .select(['external_id', 'engagement_score', 'stage'])
        .where('external_id', 'in', ['C1', 'C4'])
        .orderBy('external_id')
        .execute();
      expect(leads).toEqual([
        { external_id: 'C1', engagement_score: 25, stage: 'mql' },
        { external_id: 'C4', engagement_score: 50, stage: 'mql' },
      ]);
    } finally {
      await after.close();
    }
  });
});
