import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkInsert } from '../../db/bulk.ts';
import { ensureWorkspace } from '../../modules/workspaces/workspaces.service.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/harness.ts';
import * as repository from './scoring.repository.ts';
import {
  type Condition,
  type EngagementRule,
  explainScore,
  type FitRule,
  type ScoringModel,
  type TouchpointFact,
} from './scoring.ts';

// The set-based SQL in scoring.repository.ts and the pure explainScore must give every lead
// the same fit, engagement and temperature, for any model. Random models over a fixed,
// deliberately awkward data set (blank text, numbers stored as text, missing keys, accounts
// and none, touchpoints on period boundaries and slightly in the future).

let database: TestDatabase;
let workspaceId: number;
let leadIds: number[] = [];
let campaignIds: number[] = [];
const NOW = new Date('2026-03-01T12:00:00.000Z');
const DAY = 86_400_000;

beforeAll(async () => {
  database = await createTestDatabase();
  workspaceId = (await ensureWorkspace(database.db, { name: 'Agreement', slug: 'agreement' })).id;
  const db = database.db;
  campaignIds = (
    await db
      .insertInto('campaigns')
      .values(
        ['Webinar', 'Ads', 'Newsletter'].map((name, i) => ({
          workspace_id: workspaceId,
          name,
          channel: ['events', 'paid', 'email'][i] as string,
        })),
      )
      .returning('id')
      .execute()
  ).map((row) => row.id);
  const accounts = await db
    .insertInto('accounts')
    .values([
      {
        workspace_id: workspaceId,
        name: 'Soft',
        industry: 'Software',
        employees: 1200,
        annual_revenue: 1500000.5,
        custom_fields: JSON.stringify({ tier: 'Gold' }),
      },
      {
        workspace_id: workspaceId,
        name: 'Shop',
        industry: 'retail',
        employees: 40,
        annual_revenue: null,
        custom_fields: JSON.stringify({}),
      },
      {
        workspace_id: workspaceId,
        name: 'Blank',
        industry: null,
        employees: null,
        annual_revenue: 200,
        custom_fields: JSON.stringify({ tier: ' ' }),
      },
    ])
    .returning('id')
    .execute();
  const titles = ['VP Sales', 'svp', 'Engineer', null, '  ', 'Chief Executive Officer'];
  const employees = [null, 0, 99, 100, 500, 5000];
  const emails = ['a@gmail.com', 'B@Acme.IO', 'c@yahoo.com', null, 'd@sub.acme.io'];
  const countries = ['DE', 'de', 'US', null, ''];
  const budgets: unknown[] = ['25000', 25000, ' 5 ', 'n/a', '', undefined, '-3.5', true];
  const rows = Array.from({ length: 48 }, (_, i) => {
    const budget = budgets[i % budgets.length];
    const custom: Record<string, unknown> = {};
    if (budget !== undefined) custom.budget = budget;
    if (i % 3 === 0) custom.authority = i % 2 === 0;
    return {
      workspace_id: workspaceId,
      external_id: `agree-${i}`,
      email: emails[i % emails.length] === null ? null : `${i}.${emails[i % emails.length]}`.toLowerCase(),
      title: titles[i % titles.length] ?? null,
      employees: employees[(i * 7) % employees.length] ?? null,
      country: countries[(i * 3) % countries.length] ?? null,
      account_id: i % 4 === 3 ? null : (accounts[i % 3]?.id ?? null),
      custom_fields: JSON.stringify(custom),
    };
  });
  leadIds = (await db.insertInto('leads').values(rows).returning('id').execute()).map((row) => row.id);
  const types = ['form_fill', 'email_open', 'page_view', 'webinar', 'ad_click'] as const;
  const channels = ['email', 'Web', 'events', null];
  const touches = Array.from({ length: 600 }, (_, i) => {
    // Ages include whole days (period boundaries for 1..30-day caps) and a few hours ahead of now.
    const ageDays = i % 11 === 0 ? -0.1 : i % 5 === 0 ? i % 60 : ((i * 37) % 4000) / 10;
    return {
      lead_id: leadIds[(i * 13) % leadIds.length] as number,
      type: types[i % types.length] as string,
      occurred_at: new Date(NOW.getTime() - ageDays * DAY),
      channel: channels[(i * 3) % channels.length] ?? null,
      campaign_id: i % 4 === 0 ? null : (campaignIds[i % 3] ?? null),
    };
  });
  await bulkInsert(database.db, 'touchpoints', touches, [
    { name: 'workspace_id', type: 'int4', value: () => workspaceId },
    { name: 'lead_id', type: 'int4', value: (row) => row.lead_id },
    { name: 'type', type: 'text', value: (row) => row.type },
    { name: 'occurred_at', type: 'timestamptz', value: (row) => row.occurred_at },
    { name: 'channel', type: 'text', value: (row) => row.channel },
    { name: 'campaign_id', type: 'int4', value: (row) => row.campaign_id },
  ]);
});
afterAll(async () => database?.close());

const CONDITIONS: Condition[] = [
  { field: 'title', operator: 'contains', value: 'vp' },
  { field: 'title', operator: 'contains', value: ['chief', 'engineer'] },
  { field: 'title', operator: 'is_empty' },
  { field: 'title', operator: 'is_not_empty' },
  { field: 'title', operator: 'equals', value: 'SVP' },
  { field: 'employees', operator: 'gte', value: 100 },
  { field: 'employees', operator: 'lte', value: 99 },
  { field: 'employees', operator: 'range', value: { min: 100, max: 500 } },
  { field: 'employees', operator: 'in', value: [0, 5000] },
  { field: 'employees', operator: 'is_empty' },
  { field: 'email', operator: 'ends_with', value: ['@gmail.com', '@yahoo.com'] },
  { field: 'email_domain', operator: 'in', value: ['acme.io', 'gmail.com'] },
  { field: 'email_domain', operator: 'ends_with', value: 'acme.io' },
  { field: 'email', operator: 'is_empty' },
  { field: 'country', operator: 'in', value: ['de', 'AT'] },
  { field: 'country', operator: 'is_empty' },
  { field: 'custom_fields.budget', operator: 'gte', value: 1000 },
  { field: 'custom_fields.budget', operator: 'lte', value: 5 },
  { field: 'custom_fields.budget', operator: 'equals', value: 25000 },
  { field: 'custom_fields.budget', operator: 'equals', value: 'N/A' },
  { field: 'custom_fields.budget', operator: 'in', value: ['n/a', 25000] },
  { field: 'custom_fields.budget', operator: 'is_empty' },
  { field: 'custom_fields.budget', operator: 'range', value: { min: -4, max: 6 } },
  { field: 'custom_fields.authority', operator: 'equals', value: true },
  { field: 'custom_fields.authority', operator: 'is_not_empty' },
  { field: 'account.industry', operator: 'equals', value: 'software' },
  { field: 'account.industry', operator: 'is_empty' },
  { field: 'account.employees', operator: 'gte', value: 1000 },
  { field: 'account.annual_revenue', operator: 'range', value: { min: 1500000.5 } },
  { field: 'account.annual_revenue', operator: 'equals', value: 200 },
  { field: 'account.custom_fields.tier', operator: 'in', value: ['gold'] },
  { field: 'account.custom_fields.tier', operator: 'is_empty' },
  { field: 'account.name', operator: 'contains', value: 'o' },
];

const fitRuleArb: fc.Arbitrary<FitRule> = fc
  .record({
    index: fc.nat(CONDITIONS.length - 1),
    points: fc.integer({ min: -40, max: 40 }).filter((n) => n !== 0),
  })
  .map(({ index, points }) => ({
    id: `f${index}_${points}`,
    name: 'fit',
    ...(CONDITIONS[index] as Condition),
    points,
  }));

const engagementRuleArb: fc.Arbitrary<EngagementRule> = fc
  .record(
    {
      type: fc.constantFrom('form_fill', 'email_open', 'page_view', 'webinar', 'ad_click' as const),
      channel: fc.constantFrom('email', 'WEB', 'events'),
      campaign_index: fc.nat(2),
      points: fc.integer({ min: -30, max: 30 }).filter((n) => n !== 0),
      cap: fc.record({ points: fc.integer({ min: 1, max: 60 }), days: fc.integer({ min: 1, max: 60 }) }),
      half_life_days: fc.oneof(
        fc.integer({ min: 1, max: 90 }),
        fc.double({ min: 0.5, max: 200, noNaN: true }),
      ),
    },
    { requiredKeys: ['points'] },
  )
  .map(({ campaign_index, ...rule }) => ({
    id: `e${Math.random().toString(36).slice(2, 8)}`,
    name: 'engagement',
    ...rule,
    ...(campaign_index !== undefined ? { campaign_id: campaignIds[campaign_index] as number } : {}),
  }));

const modelArb: fc.Arbitrary<ScoringModel> = fc.record({
  fit_rules: fc.array(fitRuleArb, { maxLength: 10 }),
  engagement_rules: fc.array(engagementRuleArb, { maxLength: 6 }),
  thresholds: fc
    .tuple(
      fc.integer({ min: -40, max: 80 }),
      fc.integer({ min: -40, max: 80 }),
      fc.integer({ min: 0, max: 80 }),
    )
    .map(([a, b, mql]) => ({ warm: Math.min(a, b), hot: Math.max(a, b), mql })),
});

describe('SQL scoring agrees with the explanation', () => {
  it('gives every lead the same fit, engagement and temperature for random models', async () => {
    const db = database.db;
    const leads = await db
      .selectFrom('leads')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('id')
      .execute();
    const accounts = new Map(
      (await db.selectFrom('accounts').selectAll().where('workspace_id', '=', workspaceId).execute()).map(
        (a) => [a.id, a],
      ),
    );
    const touches = await db
      .selectFrom('touchpoints')
      .select(['id', 'lead_id', 'type', 'channel', 'campaign_id', 'occurred_at'])
      .where('workspace_id', '=', workspaceId)
      .execute();
    const touchesOf = new Map<number, TouchpointFact[]>();
    for (const touch of touches)
      touchesOf.set(touch.lead_id, [...(touchesOf.get(touch.lead_id) ?? []), touch]);

    await fc.assert(
      fc.asyncProperty(modelArb, async (model) => {
        await repository.writeScores(db, workspaceId, model, { kind: 'ids', ids: leadIds }, NOW);
        const stored = await db
          .selectFrom('leads')
          .select(['id', 'fit_score', 'engagement_score', 'temperature'])
          .where('workspace_id', '=', workspaceId)
          .orderBy('id')
          .execute();
        for (const [index, row] of stored.entries()) {
          const lead = leads[index] as (typeof leads)[number];
          const account = lead.account_id ? accounts.get(lead.account_id) : undefined;
          const expected = explainScore(
            model,
            {
              lead: lead as unknown as Record<string, unknown>,
              account: (account as unknown as Record<string, unknown>) ?? null,
            },
            touchesOf.get(lead.id) ?? [],
            NOW,
          );
          expect({
            id: row.id,
            fit: row.fit_score,
            engagement: row.engagement_score,
            temperature: row.temperature,
          }).toEqual({
            id: lead.id,
            fit: expected.fit_score,
            engagement: expected.engagement_score,
            temperature: expected.temperature,
          });
        }
      }),
      { numRuns: 40 },
    );
  });

  it('previews the same temperatures and MQL counts the explanation gives', async () => {
    const db = database.db;
    const model: ScoringModel = {
      fit_rules: [
        { id: 'a', name: 'a', field: 'employees', operator: 'gte', value: 100, points: 30 },
        { id: 'b', name: 'b', field: 'custom_fields.budget', operator: 'is_not_empty', points: 10 },
      ],
      engagement_rules: [
        {
          id: 'c',
          name: 'c',
          type: 'page_view',
          points: 4,
          cap: { points: 12, days: 7 },
          half_life_days: 30,
        },
      ],
      thresholds: { mql: 35, warm: 15, hot: 35 },
    };
    // Reset what the previous test wrote, so "old" temperatures are known: all cold.
    await db
      .updateTable('leads')
      .set({ fit_score: 0, engagement_score: 0, temperature: 'cold' })
      .where('workspace_id', '=', workspaceId)
      .execute();
    const preview = await repository.previewModel(
      db,
      workspaceId,
      model,
      ['custom_fields.authority'],
      NOW,
      100,
    );
    const leads = await db.selectFrom('leads').selectAll().where('workspace_id', '=', workspaceId).execute();
    const touches = await db
      .selectFrom('touchpoints')
      .select(['id', 'lead_id', 'type', 'channel', 'campaign_id', 'occurred_at'])
      .where('workspace_id', '=', workspaceId)
      .execute();
    let hot = 0;
    let warm = 0;
    let mql = 0;
    let needs = 0;
    for (const lead of leads) {
      const result = explainScore(
        model,
        { lead: lead as unknown as Record<string, unknown>, account: null },
        touches.filter((t) => t.lead_id === lead.id),
        NOW,
      );
      if (result.temperature === 'hot') hot += 1;
      if (result.temperature === 'warm') warm += 1;
      if (result.reaches_mql) {
        mql += 1;
        const authority = (lead.custom_fields as Record<string, unknown>).authority;
        if (authority === undefined || authority === null) needs += 1;
      }
    }
    const sum = (
      pick: (g: repository.PreviewGroup) => number,
      filter: (g: repository.PreviewGroup) => boolean = () => true,
    ) => preview.groups.filter(filter).reduce((total, group) => total + pick(group), 0);
    expect(sum((g) => g.leads)).toBe(leads.length);
    expect(
      sum(
        (g) => g.leads,
        (g) => g.new_temperature === 'hot',
      ),
    ).toBe(hot);
    expect(
      sum(
        (g) => g.leads,
        (g) => g.new_temperature === 'warm',
      ),
    ).toBe(warm);
    // Every lead here is in stage lead, so each one at the MQL score would become MQL.
    expect(sum((g) => g.becomes_mql)).toBe(mql);
    expect(sum((g) => g.needs_qualification)).toBe(needs);
    expect(preview.mql_sample).toHaveLength(Math.min(mql, 100));
    expect(mql).toBeGreaterThan(0);
  });

  it('previews the same with stored engagement as with recomputed engagement once scores are current', async () => {
    const db = database.db;
    const model: ScoringModel = {
      fit_rules: [{ id: 'a', name: 'a', field: 'title', operator: 'contains', value: 'vp', points: 25 }],
      engagement_rules: [
        { id: 'b', name: 'b', type: 'email_open', points: 3, half_life_days: 20 },
        { id: 'c', name: 'c', channel: 'web', points: 5, cap: { points: 15, days: 14 } },
      ],
      thresholds: { mql: 30, warm: 10, hot: 30 },
    };
    await repository.writeScores(db, workspaceId, model, { kind: 'ids', ids: leadIds }, NOW);
    const draft: ScoringModel = { ...model, fit_rules: [], thresholds: { mql: 20, warm: 5, hot: 25 } };
    const recomputed = await repository.previewModel(db, workspaceId, draft, [], NOW, 10, 'recompute');
    const stored = await repository.previewModel(db, workspaceId, draft, [], NOW, 10, 'stored');
    expect(stored).toEqual(recomputed);
    expect(recomputed.groups.reduce((sum, group) => sum + group.becomes_mql, 0)).toBeGreaterThan(0);
  });
});
