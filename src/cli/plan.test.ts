import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrator.ts';
import { ensureWorkspace } from '../modules/workspaces/workspaces.service.ts';
import { planInputFromOptions } from './plan.ts';

const dir = mkdtempSync(join(tmpdir(), 'tandem-plan-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('tandem plan options', () => {
  it('reads given figures from the rates file, flags over the file', () => {
    const rates = file('rates.json', {
      rates: { win_rate: 0.2, lead_to_mql: 0.1 },
      average_deal_size: 10_000,
      stage_days: { opportunity: 45 },
      program_mix: [{ channel: 'webinar', share: 1, cost_per_lead: 40 }],
    });
    const input = planInputFromOptions({
      revenue: '500000',
      period: '2026-Q3',
      rates,
      winRate: '0.3',
      dealSize: '12000',
      section: 'all',
    });
    expect(input).toMatchObject({
      revenue: 500_000,
      period: '2026-Q3',
      rates: { win_rate: 0.3, lead_to_mql: 0.1 },
      average_deal_size: 12_000,
      stage_days: { opportunity: 45 },
      program_mix: [{ channel: 'webinar', share: 1, cost_per_lead: 40 }],
      save: false,
    });
  });

  it('uses history alone with --rates historical', () => {
    const input = planInputFromOptions({
      revenue: '1000',
      period: '2026',
      rates: 'historical',
      section: 'all',
    });
    expect(input.rates).toBeUndefined();
    expect(input.average_deal_size).toBeUndefined();
  });

  it('names what is wrong in the file or the flags', () => {
    expect(() =>
      planInputFromOptions({ revenue: '1', period: '2026', rates: file('bad.json', '{'), section: 'all' }),
    ).toThrow(/--rates: .*bad\.json is not JSON/);
    expect(() =>
      planInputFromOptions({
        revenue: '1',
        period: '2026',
        rates: file('r.json', { rates: { win_rate: 2 } }),
        section: 'all',
      }),
    ).toThrow(/rates.win_rate/);
    expect(() =>
      planInputFromOptions({
        revenue: '1',
        period: '2026',
        rates: file('x.json', { unknown: 1 }),
        section: 'all',
      }),
    ).toThrow(/--rates/);
    expect(() =>
      planInputFromOptions({ revenue: 'lots', period: '2026', rates: 'historical', section: 'all' }),
    ).toThrow(/--revenue: "lots" is not a number/);
    expect(() => planInputFromOptions({ period: '2026', rates: 'historical', section: 'all' })).toThrow(
      /revenue/,
    );
  });
});

// `tandem plan` and `tandem report plan-vs-actual` as a user runs them, on an embedded store
// of their own (the rates are given, so the figures are a hand calculation).
describe('tandem plan (CLI)', () => {
  const run = promisify(execFile);
  const bin = resolve('bin/tandem.js');
  let env: NodeJS.ProcessEnv;
  const tandem = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run('node', [bin, ...args], { env, cwd: dir, timeout: 120_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  };

  beforeAll(async () => {
    const { DATABASE_URL: _ignored, ...rest } = process.env;
    env = { ...rest, TANDEM_DATA_DIR: join(dir, 'store'), TZ: 'UTC' };
    const store = await openDatabase({ dataDir: join(dir, 'store') });
    await migrateToLatest(store.db);
    await ensureWorkspace(store.db, { name: 'Plan', slug: 'plan' });
    await store.close();
  }, 120_000);

  it('prints the plan as JSON and CSV, saves it, and reports it against actuals', async () => {
    const rates = file('given.json', {
      rates: { win_rate: 0.25, sql_to_opportunity: 0.5, sal_to_sql: 0.5, mql_to_sal: 0.8, lead_to_mql: 0.1 },
      average_deal_size: 10_000,
      stage_days: { lead: 0, mql: 0, sal: 0, sql: 0, opportunity: 0 },
      program_mix: [{ channel: 'webinar', share: 1, cost_per_lead: 50 }],
    });
    const args = ['plan', '--revenue', '1000000', '--period', '2026-Q3', '--rates', rates];
    const json = await tandem(...args, '--json');
    expect(json.code, json.stderr).toBe(0);
    const plan = JSON.parse(json.stdout);
    // 1,000,000 / 10,000 = 100 deals; / 0.25 = 400; / 0.5 = 800; / 0.5 = 1,600; / 0.8 = 2,000; / 0.1 = 20,000.
    expect(plan.steps.map((step: { count: number }) => step.count)).toEqual([
      100, 400, 800, 1600, 2000, 20_000,
    ]);
    // 45% of 20,000 leads are marketing's, all webinar at 50 a lead.
    expect(plan.marketing_budget).toBe(450_000);
    const csv = await tandem(...args, '--csv', '--save');
    expect(csv.code, csv.stderr).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('stage,count,rate,rate_name,marketing_sourced,sales_sourced');
    expect(lines[1]).toBe('deals,100,,,45,55');
    expect(lines[6]).toBe('leads,20000,0.1,lead_to_mql,9000,11000');
    const report = await tandem(
      'report',
      'plan-vs-actual',
      '--plan',
      '1',
      '--as-of',
      '2026-10-01T00:00:00Z',
      '--csv',
    );
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout.trim().split('\n')).toEqual([
      'stage,planned_total,planned_to_date,actual_to_date,pacing,forecast',
      'deals,100,100,0,0,0',
      'opportunities,400,400,0,0,0',
      'sqls,800,800,0,0,0',
      'sals,1600,1600,0,0,0',
      'mqls,2000,2000,0,0,0',
      'leads,20000,20000,0,0,0',
    ]);
    const bad = await tandem(
      'plan',
      '--revenue',
      '1000',
      '--period',
      '2026-Q3',
      '--history-from',
      '2010-01-01',
      '--history-to',
      '2011-01-01',
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('rates.win_rate');
  }, 240_000);
});
