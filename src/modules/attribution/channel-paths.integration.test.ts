import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { systemCaller } from '../auth/auth.ts';
import { runImport } from '../imports/imports.service.ts';

/**
 * The done-when test of attribution: the ChannelAttribution sample journeys
 * (../shared/data/channel-paths/Data.csv) imported as native CSVs (one lead per journey,
 * its touches in path order, a won opportunity per converting journey), then first touch,
 * last touch and linear credits compared with plain loops over the file, and the Markov
 * removal effects with a chain solved here by Gaussian elimination, one removal at a time.
 *
 * PostgreSQL imports the whole file (88,387 leads, 378,209 touches, 19,785 deals). The
 * embedded store, several times slower, imports every tenth path (a deterministic subset
 * of about 9,000 journeys); the expected figures are computed from the same rows.
 */

interface PathRow {
  steps: string[];
  conversions: number;
  /** Value per conversion, rounded to cents as the amount column keeps it. */
  amount: number;
  nulls: number;
}

const onPostgres = Boolean(process.env.TANDEM_TEST_DATABASE_URL);

function readPaths(): PathRow[] {
  const lines = readFileSync('../shared/data/channel-paths/Data.csv', 'utf8').trim().split(/\r?\n/);
  expect(lines[0]).toBe('path;total_conversions;total_conversion_value;total_null');
  return lines.slice(1).map((line) => {
    const [path, conversions, value, nulls] = line.split(';') as [string, string, string, string];
    const count = Number(conversions);
    return {
      steps: path.split(' > ').map((step) => step.trim()),
      conversions: count,
      amount: count > 0 ? Math.round((Number(value) / count) * 100) / 100 : 0,
      nulls: Number(nulls),
    };
  });
}

const allPaths = readPaths();
const paths = onPostgres ? allPaths : allPaths.filter((_, index) => index % 10 === 0);

let ctx: TestContext;
let dir: string;

const BASE = Date.UTC(2025, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  ctx = await createTestContext();
  dir = mkdtempSync(join(tmpdir(), 'tandem-channel-paths-'));
  const leads = ['external_id,created_at'];
  const touches = ['external_id,lead_external_id,type,occurred_at,channel'];
  const deals = ['external_id,name,lead_external_id,amount,stage,status,created_at,closed_at'];
  let journey = 0;
  paths.forEach((path, pathIndex) => {
    for (let copy = 0; copy < path.conversions + path.nulls; copy++) {
      const converted = copy < path.conversions;
      const lead = `p${pathIndex}-${copy}`;
      // One minute per journey; touches one second apart, in path order.
      const start = BASE + journey * 60_000;
      journey += 1;
      leads.push(`${lead},${iso(start)}`);
      path.steps.forEach((step, index) => {
        touches.push(`${lead}-${index},${lead},ad_click,${iso(start + index * 1000)},${step}`);
      });
      if (converted) {
        const closedAt = start + 100_000;
        deals.push(
          `d-${lead},Deal ${lead},${lead},${path.amount.toFixed(2)},won,won,${iso(closedAt - 1000)},${iso(closedAt)}`,
        );
      }
    }
  });
  writeFileSync(join(dir, 'leads.csv'), `${leads.join('\n')}\n`);
  writeFileSync(join(dir, 'touchpoints.csv'), `${touches.join('\n')}\n`);
  writeFileSync(join(dir, 'opportunities.csv'), `${deals.join('\n')}\n`);
  const summary = await runImport(ctx.database.db, systemCaller(ctx.workspaceId), {
    format: 'tandem',
    files: ['leads.csv', 'touchpoints.csv', 'opportunities.csv'].map((name) => ({
      path: join(dir, name),
      name,
    })),
  });
  expect(summary.rejected).toBe(0);
  expect(summary.created).toBe(leads.length + touches.length + deals.length - 3);
}, 900_000);

afterAll(async () => {
  await ctx?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function report(query: string) {
  const response = await ctx.app.inject({
    method: 'GET',
    url: `/api/v1/reports/attribution${query}`,
    headers: ctx.admin.headers,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

type Credits = Map<string, { conversions: number; revenue: number }>;

/** Credits by plain loops over the paths: each converting journey split by `split`. */
function expected(split: (steps: string[]) => [string, number][]): Credits {
  const credits: Credits = new Map();
  for (const path of paths) {
    if (path.conversions === 0) continue;
    for (const [channel, share] of split(path.steps)) {
      const entry = credits.get(channel) ?? { conversions: 0, revenue: 0 };
      entry.conversions += share * path.conversions;
      entry.revenue += share * path.conversions * path.amount;
      credits.set(channel, entry);
    }
  }
  return credits;
}

const deals = paths.reduce((sum, path) => sum + path.conversions, 0);
// Each deal's credit is stored to a millionth of a deal and a ten-thousandth of the currency
// (see journeys.ts), so a sum over n deals may be off by at most n of those units.
const dealTolerance = deals * 1e-6;
const revenueTolerance = deals * 1e-4;

function compare(
  rows: { key: string; conversions: number; revenue: number; opportunities: number; pipeline: number }[],
  credits: Credits,
) {
  expect(new Set(rows.map((row) => row.key))).toEqual(new Set(credits.keys()));
  for (const row of rows) {
    const want = credits.get(row.key) as { conversions: number; revenue: number };
    expect(Math.abs(row.conversions - want.conversions)).toBeLessThanOrEqual(dealTolerance);
    expect(Math.abs(row.revenue - want.revenue)).toBeLessThanOrEqual(revenueTolerance);
    // Every deal here was created and won after its whole journey: pipeline credit is the same.
    expect(Math.abs(row.opportunities - want.conversions)).toBeLessThanOrEqual(dealTolerance);
    expect(Math.abs(row.pipeline - want.revenue)).toBeLessThanOrEqual(revenueTolerance);
  }
}

const totalConversions = paths.reduce((sum, path) => sum + path.conversions, 0);
const totalRevenue = paths.reduce((sum, path) => sum + path.conversions * path.amount, 0);

describe('attribution of the channel-paths journeys', () => {
  it('imported one lead per journey and a won deal per conversion', () => {
    if (onPostgres) expect(totalConversions).toBe(19_785);
    expect(totalConversions).toBeGreaterThan(1000);
  });

  it('credits first touch per channel as counted straight from the file', async () => {
    const body = await report('?model=first_touch&by=channel');
    expect(body.totals.conversions).toBe(totalConversions);
    expect(body.totals.revenue).toBeCloseTo(totalRevenue, 2);
    expect(body.totals.unattributed_conversions).toBe(0);
    compare(
      body.rows,
      expected((steps) => [[steps[0] as string, 1]]),
    );
  });

  it('credits last touch per channel as counted straight from the file', async () => {
    const body = await report('?model=last_touch&by=channel');
    compare(
      body.rows,
      expected((steps) => [[steps[steps.length - 1] as string, 1]]),
    );
  });

  it('credits linear per channel as counted straight from the file, repeated channels counting each time', async () => {
    const body = await report('?model=linear&by=channel');
    compare(
      body.rows,
      expected((steps) => steps.map((step) => [step, 1 / steps.length] as [string, number])),
    );
  });

  it('gives Markov credits that add up to the conversions, with the removal effects of an independently solved chain', async () => {
    const body = await report('?model=markov&by=channel');
    const sum = body.rows.reduce((total: number, row: { conversions: number }) => total + row.conversions, 0);
    expect(sum).toBeCloseTo(totalConversions, 3);
    const revenue = body.rows.reduce((total: number, row: { revenue: number }) => total + row.revenue, 0);
    expect(revenue).toBeCloseTo(totalRevenue, 1);
    expect(body.markov.won.journeys).toBe(
      paths.reduce((total, path) => total + path.conversions + path.nulls, 0),
    );

    // The chain, counted from the file: start -> steps -> conversion or null.
    const channels = [...new Set(paths.flatMap((path) => path.steps))].sort();
    const index = new Map(channels.map((channel, position) => [channel, position]));
    const k = channels.length;
    const between = channels.map(() => new Array<number>(k).fill(0));
    const toConversion = new Array<number>(k).fill(0);
    const toNull = new Array<number>(k).fill(0);
    const fromStart = new Array<number>(k).fill(0);
    for (const path of paths) {
      const journeys = path.conversions + path.nulls;
      const states = path.steps.map((step) => index.get(step) as number);
      const first = states[0] as number;
      const last = states[states.length - 1] as number;
      fromStart[first] = (fromStart[first] as number) + journeys;
      for (let step = 1; step < states.length; step++) {
        const row = between[states[step - 1] as number] as number[];
        const to = states[step] as number;
        row[to] = (row[to] as number) + journeys;
      }
      toConversion[last] = (toConversion[last] as number) + path.conversions;
      toNull[last] = (toNull[last] as number) + path.nulls;
    }
    const solve = (removed: number | null): number => {
      // (I - Q) x = r over the channels; a removed channel only leads to null (x = 0).
      const a = channels.map((_, i) => {
        const out =
          (between[i] as number[]).reduce((s, v) => s + v, 0) +
          (toConversion[i] as number) +
          (toNull[i] as number);
        const row = (between[i] as number[]).map(
          (value, j) => (i === j ? 1 : 0) - (i === removed ? 0 : value / out),
        );
        row.push(i === removed ? 0 : (toConversion[i] as number) / out);
        return row;
      });
      for (let column = 0; column < k; column++) {
        let pivot = column;
        for (let row = column + 1; row < k; row++) {
          if (
            Math.abs((a[row] as number[])[column] as number) >
            Math.abs((a[pivot] as number[])[column] as number)
          )
            pivot = row;
        }
        [a[column], a[pivot]] = [a[pivot] as number[], a[column] as number[]];
        for (let row = 0; row < k; row++) {
          if (row === column) continue;
          const factor =
            ((a[row] as number[])[column] as number) / ((a[column] as number[])[column] as number);
          for (let j = column; j <= k; j++) {
            (a[row] as number[])[j] =
              ((a[row] as number[])[j] as number) - factor * ((a[column] as number[])[j] as number);
          }
        }
      }
      const x = a.map((row, i) => (row[k] as number) / (row[i] as number));
      const starts = fromStart.reduce((s, v) => s + v, 0);
      return fromStart.reduce((total, count, j) => total + (count / starts) * (x[j] as number), 0);
    };
    const base = solve(null);
    expect(body.markov.won.conversion_probability).toBeCloseTo(base, 10);
    const effects = channels.map((_, position) => 1 - solve(position) / base);
    const effectSum = effects.reduce((s, v) => s + v, 0);
    for (const row of body.rows) {
      const position = index.get(row.key) as number;
      expect(row.removal_effect_won).toBeCloseTo(effects[position] as number, 9);
      expect(row.conversions).toBeCloseTo(((effects[position] as number) / effectSum) * totalConversions, 3);
    }
  });

  it('puts every model side by side, each splitting the same totals', async () => {
    const response = await ctx.app.inject({
      method: 'GET',
      url: '/api/v1/reports/attribution/compare?by=channel',
      headers: ctx.admin.headers,
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.models).toEqual([
      'first_touch',
      'last_touch',
      'linear',
      'u_shaped',
      'w_shaped',
      'full_path',
      'time_decay',
      'markov',
    ]);
    for (const model of body.models) {
      const sum = body.rows.reduce(
        (total: number, row: { models: Record<string, { conversions: number }> }) =>
          total + (row.models[model]?.conversions ?? 0),
        0,
      );
      expect(sum).toBeCloseTo(totalConversions, 3);
    }
  });
});
