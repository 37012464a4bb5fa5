import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../db/schema.ts';
import { createTestContext, type TestContext } from '../../testing/harness.ts';
import { mulberry32 } from '../demo/demo.random.ts';
import {
  type ContributionSum,
  refreshJourneyRollups,
  sumContributions,
  sumMarkovMoves,
  toLeadSnapshot,
  toOpportunitySnapshot,
} from './journeys.service.ts';
import {
  AMOUNT_SCALE,
  type Contribution,
  DEAL_SCALE,
  leadContributions,
  opportunityContributions,
  type RollupKind,
} from './journeys.ts';

/**
 * The rollups are kept by moving each changed lead's and deal's contributions from its old
 * snapshot to its new one. These tests change a company in every way the triggers watch,
 * and check that the rollups then equal a rebuild from scratch, row for row, and that a
 * period cut inside months adds up like contributions summed one by one.
 */

let ctx: TestContext;
let db: Kysely<DB>;
const random = mulberry32(20260415);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);
const at = (ms: number) => new Date(ms).toISOString();

const campaigns: number[] = [];
const leads: number[] = [];
const deals: number[] = [];

async function insertRow(table: keyof DB, row: Record<string, unknown>): Promise<number> {
  const result = await sql<{ id: number }>`
    insert into ${sql.table(table)} (${sql.join(Object.keys(row).map((key) => sql.ref(key)))})
    values (${sql.join(Object.values(row))}) returning id`.execute(db);
  return (result.rows[0] as { id: number }).id;
}

async function addTouch(lead: number, time: number): Promise<number> {
  return insertRow('touchpoints', {
    workspace_id: ctx.workspaceId,
    lead_id: lead,
    type: pick(['form_fill', 'email_click', 'webinar', 'content_download', 'ad_click']),
    occurred_at: at(time),
    campaign_id: random() < 0.8 ? pick(campaigns) : null,
    channel: random() < 0.5 ? pick(['email', 'social', 'paid_search']) : null,
    metadata: JSON.stringify(random() < 0.5 ? { asset: pick(['Guide', 'Case study']) } : {}),
  });
}

beforeAll(async () => {
  ctx = await createTestContext();
  db = ctx.database.db;
  for (const [name, channel] of [
    ['Search', 'paid_search'],
    ['Webinars', 'webinar'],
    ['Newsletter', 'email'],
  ]) {
    campaigns.push(
      await insertRow('campaigns', { workspace_id: ctx.workspaceId, name, channel, cost: 1000 }),
    );
  }
  for (let index = 0; index < 40; index++) {
    const created = START + Math.floor(random() * 100 * DAY);
    leads.push(
      await insertRow('leads', {
        workspace_id: ctx.workspaceId,
        email: `lead${index}@example.com`,
        created_at: at(created),
        lead_at: at(created + DAY),
        mql_at: random() < 0.5 ? at(created + 3 * DAY) : null,
        source: pick(['web', 'outbound', null]),
      }),
    );
    const touches = Math.floor(random() * 6);
    for (let touch = 0; touch < touches; touch++)
      await addTouch(leads[index] as number, created + Math.floor((random() - 0.3) * 20 * DAY));
  }
  for (let index = 0; index < 15; index++) {
    const primary = pick(leads);
    const created = START + Math.floor((20 + random() * 100) * DAY);
    const status = pick(['open', 'won', 'lost']);
    const deal = await insertRow('opportunities', {
      workspace_id: ctx.workspaceId,
      name: `Deal ${index}`,
      primary_lead_id: primary,
      amount: Math.round(random() * 100000) / 100,
      stage: status,
      status,
      created_at: at(created),
      closed_at: status === 'open' ? null : at(created + Math.floor(random() * 40 * DAY)),
    });
    deals.push(deal);
    if (random() < 0.5) {
      const contact = pick(leads);
      if (contact !== primary) {
        await sql`insert into opportunity_contacts (workspace_id, opportunity_id, lead_id) values (${ctx.workspaceId}, ${deal}, ${contact})`.execute(
          db,
        );
      }
    }
  }
});

afterAll(async () => ctx?.close());

async function rollupRows() {
  const result = await sql<Record<string, unknown>>`
    select kind, dimension, variant, to_char(month, 'YYYY-MM-DD') as month, key, deals::text, amount::text
    from attribution_rollup where workspace_id = ${ctx.workspaceId}
    order by kind, dimension, variant, month, key collate "C"`.execute(db);
  return result.rows;
}

async function snapshots() {
  const leadRows =
    await sql`select * from attribution_lead_snapshots where workspace_id = ${ctx.workspaceId} order by lead_id`.execute(
      db,
    );
  const dealRows =
    await sql`select * from attribution_opportunity_snapshots where workspace_id = ${ctx.workspaceId} order by opportunity_id`.execute(
      db,
    );
  return { leads: leadRows.rows, deals: dealRows.rows };
}

async function rebuilt() {
  await sql`delete from attribution_rollup_state where workspace_id = ${ctx.workspaceId}`.execute(db);
  const outcome = await refreshJourneyRollups(db, ctx.workspaceId);
  expect(outcome.rebuilt).toBe(true);
  return { rollup: await rollupRows(), snapshots: await snapshots() };
}

describe('journey rollups', () => {
  it('after every kind of change, equal a rebuild from scratch', async () => {
    const first = await refreshJourneyRollups(db, ctx.workspaceId);
    expect(first.rebuilt).toBe(true);
    expect((await refreshJourneyRollups(db, ctx.workspaceId)).leads).toBe(0);

    // New touches, some before the existing ones.
    for (let index = 0; index < 20; index++)
      await addTouch(pick(leads), START + Math.floor(random() * 120 * DAY));
    // Deals won, lost, reopened, re-dated, re-valued and moved to another lead.
    const [d0, d1, d2, d3, d4, d5] = deals as [number, number, number, number, number, number];
    await sql`update opportunities set status = 'won', stage = 'won', closed_at = created_at + interval '9 days' where id = ${d0}`.execute(
      db,
    );
    await sql`update opportunities set status = 'lost', stage = 'lost', closed_at = created_at + interval '2 days' where id = ${d1}`.execute(
      db,
    );
    await sql`update opportunities set status = 'open', stage = 'open', closed_at = null where id = ${d2}`.execute(
      db,
    );
    await sql`update opportunities set amount = 777.77, created_at = created_at - interval '15 days', primary_lead_id = ${leads[3]} where id = ${d3}`.execute(
      db,
    );
    // Contacts added and removed.
    await sql`insert into opportunity_contacts (workspace_id, opportunity_id, lead_id) values (${ctx.workspaceId}, ${d4}, ${leads[5]}) on conflict do nothing`.execute(
      db,
    );
    await sql`delete from opportunity_contacts where opportunity_id = ${deals[6]}`.execute(db);
    // A campaign changes channel; a lead is re-dated and reaches MQL; a touch moves.
    await sql`update campaigns set channel = 'events' where id = ${campaigns[0]}`.execute(db);
    await sql`update leads set created_at = created_at - interval '40 days', mql_at = created_at + interval '1 day', sql_at = created_at + interval '2 days' where id = ${leads[7]}`.execute(
      db,
    );
    await sql`update touchpoints set channel = 'direct', occurred_at = occurred_at + interval '30 days' where id = (select min(id) from touchpoints where workspace_id = ${ctx.workspaceId})`.execute(
      db,
    );
    // A lead (with its touches and contact roles) and a deal are deleted; a campaign too.
    await sql`delete from leads where id = (select primary_lead_id from opportunities where id = ${d5})`.execute(
      db,
    );
    await sql`delete from opportunities where id = ${deals[7]}`.execute(db);
    await sql`delete from campaigns where id = ${campaigns[2]}`.execute(db);

    const incremental = await refreshJourneyRollups(db, ctx.workspaceId);
    expect(incremental.rebuilt).toBe(false);
    expect(incremental.leads).toBeGreaterThan(0);
    const afterChanges = { rollup: await rollupRows(), snapshots: await snapshots() };
    const fromScratch = await rebuilt();
    expect(afterChanges.snapshots).toEqual(fromScratch.snapshots);
    expect(afterChanges.rollup).toEqual(fromScratch.rollup);
    expect(fromScratch.rollup.length).toBeGreaterThan(100);
  });

  it('rebuilds after a TRUNCATE of a source table', async () => {
    await refreshJourneyRollups(db, ctx.workspaceId);
    await sql`truncate activities`.execute(db);
    await sql`truncate opportunity_contacts`.execute(db);
    const outcome = await refreshJourneyRollups(db, ctx.workspaceId);
    expect(outcome.rebuilt).toBe(true);
    const count = await sql<{
      count: number;
    }>`select count(*)::int as count from attribution_opportunity_snapshots where cardinality(lead_ids) > 1`.execute(
      db,
    );
    expect(count.rows[0]?.count).toBe(0);
  });

  it('sums a period cut inside months like the contributions of every snapshot added one by one', async () => {
    await refreshJourneyRollups(db, ctx.workspaceId);
    const leadRows =
      await sql`select * from attribution_lead_snapshots where workspace_id = ${ctx.workspaceId}`.execute(db);
    const dealRows =
      await sql`select * from attribution_opportunity_snapshots where workspace_id = ${ctx.workspaceId}`.execute(
        db,
      );
    const all: Contribution[] = [
      ...leadRows.rows.flatMap((row) => leadContributions(toLeadSnapshot(row as never))),
      ...dealRows.rows.flatMap((row) => opportunityContributions(toOpportunitySnapshot(row as never))),
    ];
    const from = new Date(Date.UTC(2026, 0, 17, 13));
    const to = new Date(Date.UTC(2026, 3, 9));
    const kinds: RollupKind[] = [
      'credit_won',
      'credit_pipeline',
      'transition',
      'sourced_leads',
      'sourced_mqls',
      'influenced_won',
      'presence',
    ];
    for (const dimension of ['channel', 'campaign']) {
      const expected = new Map<string, { deals: number; amount: number }>();
      for (const c of all) {
        if (
          !kinds.includes(c.kind) ||
          c.dimension !== dimension ||
          c.at < from.getTime() ||
          c.at >= to.getTime()
        )
          continue;
        const id = `${c.kind}|${c.variant}|${c.key}`;
        const entry = expected.get(id) ?? { deals: 0, amount: 0 };
        entry.deals += c.deals;
        entry.amount += c.amount;
        expected.set(id, entry);
      }
      const sums = await sumContributions(db, ctx.workspaceId, { kinds, dimension, from, to });
      const actual = new Map(
        sums
          .filter((sum: ContributionSum) => sum.deals !== 0 || sum.amount !== 0)
          .map((sum) => [`${sum.kind}|${sum.variant}|${sum.key}`, sum]),
      );
      expect(new Set(actual.keys())).toEqual(
        new Set([...expected].filter(([, v]) => v.deals || v.amount).map(([k]) => k)),
      );
      for (const [id, want] of expected) {
        if (!want.deals && !want.amount) continue;
        expect(actual.get(id)?.deals).toBeCloseTo(want.deals / 10 ** DEAL_SCALE, 6);
        expect(actual.get(id)?.amount).toBeCloseTo(want.amount / 10 ** AMOUNT_SCALE, 4);
      }
    }
  });
});

describe('all-time rows', () => {
  it('hold the sum of every month', async () => {
    await refreshJourneyRollups(db, ctx.workspaceId);
    const kinds: RollupKind[] = ['credit_won', 'credit_pipeline', 'transition', 'sourced_leads', 'presence'];
    for (const dimension of ['channel', 'campaign']) {
      const allTime = await sumContributions(db, ctx.workspaceId, { kinds, dimension, from: null, to: null });
      const months = await sumContributions(db, ctx.workspaceId, {
        kinds,
        dimension,
        from: new Date('2000-01-01T00:00:00Z'),
        to: null,
      });
      const byId = (sums: ContributionSum[]) =>
        new Map(
          sums
            .filter((sum) => sum.deals || sum.amount)
            .map((sum) => [`${sum.kind}|${sum.variant}|${sum.key}`, sum]),
        );
      const expected = byId(months);
      const actual = byId(allTime);
      expect(actual.size).toBeGreaterThan(10);
      expect(new Set(actual.keys())).toEqual(new Set(expected.keys()));
      for (const [id, sum] of expected) {
        expect(actual.get(id)?.deals).toBeCloseTo(sum.deals, 6);
        expect(actual.get(id)?.amount).toBeCloseTo(sum.amount, 4);
      }
    }
  });
});

describe('Markov moves', () => {
  it('pivot per chain in SQL as the contributions say', async () => {
    await refreshJourneyRollups(db, ctx.workspaceId);
    for (const period of [
      { from: null, to: null },
      { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-05-01T00:00:00Z') },
      { from: new Date('2026-01-10T00:00:00Z'), to: new Date('2026-04-20T00:00:00Z') },
    ]) {
      const sums = await sumContributions(db, ctx.workspaceId, {
        kinds: ['transition'],
        dimension: 'campaign',
        ...period,
      });
      const expected = new Map<string, number[]>();
      for (const sum of sums) {
        const entry = expected.get(sum.key) ?? [0, 0, 0, 0];
        const chain = { won: [0], lead_open: [1], lead_none: [1, 3], pipeline: [2] }[sum.variant] ?? [];
        for (const index of chain) entry[index] = (entry[index] as number) + sum.deals;
        expected.set(sum.key, entry);
      }
      const moves = await sumMarkovMoves(db, ctx.workspaceId, 'campaign', period);
      const actual = new Map(
        moves.map((move) => [
          `${move.source}\u001f${move.target}`,
          [move.won, move.won_null, move.pipeline, move.pipeline_null],
        ]),
      );
      expect(actual.size).toBeGreaterThan(5);
      expect(actual).toEqual(expected);
    }
  });
});

describe('attribution API', () => {
  const get = (url: string, headers: Record<string, string> = ctx.admin.headers) =>
    ctx.app.inject({ method: 'GET', url, headers });

  it('needs credentials and names the bad field', async () => {
    expect((await get('/api/v1/reports/attribution?model=linear', {})).statusCode).toBe(401);
    const model = await get('/api/v1/reports/attribution?model=astrology');
    expect(model.statusCode).toBe(400);
    expect(model.json().error.issues[0].path).toBe('querystring.model');
    const order = await get('/api/v1/reports/attribution?model=linear&from=2026-03-01&to=2026-02-01');
    expect(order.statusCode).toBe(400);
    expect(order.json().error.issues[0].path).toBe('to');
    const both = await get('/api/v1/reports/attribution?model=linear&period=2026-Q1&from=2026-01-01');
    expect(both.statusCode).toBe(400);
    expect(both.json().error.issues[0].path).toBe('period');
    const halfLife = await get('/api/v1/reports/attribution?model=time_decay&half_life_days=0');
    expect(halfLife.statusCode).toBe(400);
    expect(halfLife.json().error.issues[0].path).toBe('querystring.half_life_days');
  });

  it('lets any role read it, and every model split the same totals over a period', async () => {
    const rep = await ctx.user('sdr');
    const compare = await get(
      '/api/v1/reports/attribution/compare?by=campaign&from=2026-01-10&to=2026-05-20',
      rep.headers,
    );
    expect(compare.statusCode, compare.body).toBe(200);
    const body = compare.json();
    const attributed = body.totals.conversions - body.totals.unattributed_conversions;
    const pipeline = body.totals.opportunities - body.totals.unattributed_opportunities;
    for (const model of body.models) {
      const sum = (field: 'conversions' | 'opportunities') =>
        body.rows.reduce(
          (total: number, row: { models: Record<string, Record<string, number>> }) =>
            total + (row.models[model]?.[field] ?? 0),
          0,
        );
      expect(sum('conversions')).toBeCloseTo(attributed, 5);
      expect(sum('opportunities')).toBeCloseTo(pipeline, 5);
    }
    // A half-life other than the default is computed from the journeys and still splits the total.
    const decay = (
      await get(
        '/api/v1/reports/attribution?model=time_decay&half_life_days=2&by=channel&from=2026-01-10&to=2026-05-20',
      )
    ).json();
    expect(decay.half_life_days).toBe(2);
    const decaySum = decay.rows.reduce(
      (total: number, row: { conversions: number }) => total + row.conversions,
      0,
    );
    expect(decaySum).toBeCloseTo(decay.totals.conversions - decay.totals.unattributed_conversions, 5);
  });
});
