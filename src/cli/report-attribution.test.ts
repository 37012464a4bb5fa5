import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrator.ts';
import type { DB } from '../db/schema.ts';
import { ensureWorkspace } from '../modules/workspaces/workspaces.service.ts';
import { createTestDatabase, type TestDatabase } from '../testing/harness.ts';

/**
 * `tandem report attribution | campaigns | win-loss`, spawned as a user runs them, on a
 * company of two deals: D1 won for 9,000 after a paid_search then an email touch (Spring
 * campaign, cost 1,000), D2 lost to Rival after one email touch.
 */

const run = promisify(execFile);
let database: TestDatabase | undefined;
let dataDir: string | null = null;
const env: NodeJS.ProcessEnv = { ...process.env, TZ: 'UTC' };

async function seed(db: Kysely<DB>): Promise<void> {
  const workspace = await ensureWorkspace(db, { name: 'CLI Co', slug: 'cli' });
  const ws = workspace.id;
  const id = async (query: ReturnType<typeof sql<{ id: number }>>) =>
    ((await query.execute(db)).rows[0] as { id: number }).id;
  const spring = await id(sql`insert into campaigns (workspace_id, name, channel, cost, start_date, end_date)
    values (${ws}, 'Spring', 'paid_search', 1000, '2026-03-01', '2026-03-31') returning id`);
  const l1 = await id(
    sql`insert into leads (workspace_id, email, created_at) values (${ws}, 'a@example.com', '2026-03-02T00:00:00Z') returning id`,
  );
  const l2 = await id(
    sql`insert into leads (workspace_id, email, created_at) values (${ws}, 'b@example.com', '2026-03-03T00:00:00Z') returning id`,
  );
  await sql`insert into touchpoints (workspace_id, lead_id, type, occurred_at, campaign_id) values
    (${ws}, ${l1}, 'ad_click', '2026-03-02T00:00:00Z', ${spring})`.execute(db);
  await sql`insert into touchpoints (workspace_id, lead_id, type, occurred_at, channel) values
    (${ws}, ${l1}, 'email_click', '2026-03-04T00:00:00Z', 'email'),
    (${ws}, ${l2}, 'email_click', '2026-03-05T00:00:00Z', 'email')`.execute(db);
  await sql`insert into opportunities (workspace_id, name, primary_lead_id, amount, stage, status, created_at, closed_at, reason, competitor) values
    (${ws}, 'D1', ${l1}, 9000, 'won', 'won', '2026-03-10T00:00:00Z', '2026-04-10T00:00:00Z', 'fit', null),
    (${ws}, 'D2', ${l2}, 3000, 'lost', 'lost', '2026-03-11T00:00:00Z', '2026-04-01T00:00:00Z', 'price', 'Rival')`.execute(
    db,
  );
}

beforeAll(async () => {
  if (process.env.TANDEM_TEST_DATABASE_URL) {
    database = await createTestDatabase();
    await seed(database.db);
    env.DATABASE_URL = database.url;
  } else {
    // PGlite is single-process: the CLI gets its own embedded store with the company.
    dataDir = mkdtempSync(join(tmpdir(), 'tandem-attribution-cli-'));
    const embedded = await openDatabase({ dataDir });
    await migrateToLatest(embedded.db);
    await seed(embedded.db);
    await embedded.close();
    env.TANDEM_DATA_DIR = dataDir;
    delete env.DATABASE_URL;
  }
});

afterAll(async () => {
  await database?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function tandem(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['bin/tandem.js', 'report', ...args, '-w', 'cli'], {
    env,
    cwd: process.cwd(),
    timeout: 60_000,
  });
  return stdout;
}

describe('tandem report (attribution, campaigns, win-loss)', () => {
  it('prints attribution as JSON and every model side by side as CSV', async () => {
    const linear = JSON.parse(await tandem('attribution', '--model', 'linear', '--by', 'channel', '--json'));
    expect(linear.totals).toMatchObject({ conversions: 1, revenue: 9000, opportunities: 2, pipeline: 12000 });
    const row = (key: string) => linear.rows.find((candidate: { key: string }) => candidate.key === key);
    expect(row('paid_search')).toMatchObject({
      conversions: 0.5,
      revenue: 4500,
      opportunities: 0.5,
      pipeline: 4500,
    });
    expect(row('email')).toMatchObject({
      conversions: 0.5,
      revenue: 4500,
      opportunities: 1.5,
      pipeline: 7500,
    });

    const csv = (await tandem('attribution', '--model', 'all', '--metric', 'conversions', '--csv'))
      .trim()
      .split('\n');
    expect(csv[0]).toBe(
      'channel,first_touch,last_touch,linear,u_shaped,w_shaped,full_path,time_decay,markov',
    );
    const cells = new Map(csv.slice(1).map((line) => [line.split(',')[0], line.split(',').slice(1)]));
    expect(cells.get('paid_search')?.slice(0, 3)).toEqual(['1', '0', '0.5']);
    expect(cells.get('email')?.slice(0, 3)).toEqual(['0', '1', '0.5']);
  });

  it('prints campaign results as Markdown and win/loss reasons as CSV', async () => {
    const markdown = await tandem('campaigns', '--md');
    expect(markdown).toContain('| campaign | channel | cost |');
    expect(markdown).toMatch(/\| Spring \| paid_search \| 1000 \| 1 \|/);
    const reasons = (await tandem('win-loss', '--by', 'competitor', '--section', 'reasons', '--csv'))
      .trim()
      .split('\n');
    expect(reasons).toEqual(['status,reason,deals,amount,share', 'won,fit,1,9000,1', 'lost,price,1,3000,1']);
  });

  it('names the option that is wrong', async () => {
    await expect(tandem('attribution', '--model', 'astrology')).rejects.toMatchObject({
      stderr: expect.stringContaining('--model'),
    });
    await expect(tandem('win-loss', '--by', 'zodiac')).rejects.toMatchObject({
      stderr: expect.stringContaining('--by'),
    });
  });
});
