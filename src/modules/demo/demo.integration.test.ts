import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, ensureDemoOnFirstStart } from '../../cli/first-start.ts';
import type { DB } from '../../db/schema.ts';
import type { LifecycleStage } from '../../db/tables/foundation.ts';
import { buildApp } from '../../server/app.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/harness.ts';
import { systemCaller } from '../auth/auth.ts';
import { checkTransition } from '../lifecycle/lifecycle.ts';
import { explainLeadScore } from '../scoring/scoring.service.ts';
import { type DemoSummary, generateDemo } from './demo.service.ts';

const TODAY = new Date('2025-06-01T00:00:00Z');
const SMALL = { name: 'test', leads: 800, sdrs: 6, aesPerTerritory: 2, campaignsPerSlot: 1 };
/** Size s's shape with 3,000 leads: the checks below scale with it (size s itself is checked in demo.test.ts). */
const FIRST_START = {
  name: 'first-start-test',
  leads: 3_000,
  sdrs: 6,
  aesPerTerritory: 2,
  campaignsPerSlot: 1,
};

/**
 * A fingerprint per table of everything a workspace holds, with generated ids replaced by
 * the natural keys they point at (emails, domains, names), so two workspaces can be compared.
 */
async function workspaceHashes(db: Kysely<DB>, workspaceId: number): Promise<Record<string, string>> {
  const opportunityKey = sql`(select pl.email || '|' || o2.name || '|' || o2.created_at::text
      from opportunities o2 join leads pl on pl.id = o2.primary_lead_id where o2.id = `;
  const queries: Record<string, ReturnType<typeof sql<{ r: string }>>> = {
    teams: sql`select (to_jsonb(t) - 'id' - 'workspace_id' - 'manager_id' || jsonb_build_object('manager', m.email))::text as r
      from teams t left join users m on m.id = t.manager_id where t.workspace_id = ${workspaceId}`,
    users: sql`select (to_jsonb(u) - 'id' - 'workspace_id' - 'team_id' - 'manager_id' - 'password_hash'
        || jsonb_build_object('team', t.name, 'manager', m.email))::text as r
      from users u left join teams t on t.id = u.team_id left join users m on m.id = u.manager_id
      where u.workspace_id = ${workspaceId}`,
    products: sql`select (to_jsonb(p) - 'id' - 'workspace_id')::text as r from products p where p.workspace_id = ${workspaceId}`,
    campaigns: sql`select (to_jsonb(c) - 'id' - 'workspace_id' - 'owner_id' - 'parent_id'
        || jsonb_build_object('owner', u.email, 'parent', p.name))::text as r
      from campaigns c left join users u on u.id = c.owner_id left join campaigns p on p.id = c.parent_id
      where c.workspace_id = ${workspaceId}`,
    accounts: sql`select (to_jsonb(a) - 'id' - 'workspace_id' - 'owner_id' || jsonb_build_object('owner', u.email))::text as r
      from accounts a left join users u on u.id = a.owner_id where a.workspace_id = ${workspaceId}`,
    leads: sql`select (to_jsonb(l) - 'id' - 'workspace_id' - 'account_id' - 'owner_id' - 'first_campaign_id'
        || jsonb_build_object('account', a.domain, 'owner', u.email, 'campaign', c.name))::text as r
      from leads l left join accounts a on a.id = l.account_id left join users u on u.id = l.owner_id
      left join campaigns c on c.id = l.first_campaign_id where l.workspace_id = ${workspaceId}`,
    touchpoints: sql`select (to_jsonb(t) - 'id' - 'workspace_id' - 'lead_id' - 'campaign_id'
        || jsonb_build_object('lead', l.email, 'campaign', c.name))::text as r
      from touchpoints t join leads l on l.id = t.lead_id left join campaigns c on c.id = t.campaign_id
      where t.workspace_id = ${workspaceId}`,
    lifecycle_events: sql`select (to_jsonb(e) - 'id' - 'workspace_id' - 'lead_id' - 'actor_id'
        || jsonb_build_object('lead', l.email, 'actor', u.email))::text as r
      from lifecycle_events e join leads l on l.id = e.lead_id left join users u on u.id = e.actor_id
      where e.workspace_id = ${workspaceId}`,
    opportunities: sql`select (to_jsonb(o) - 'id' - 'workspace_id' - 'account_id' - 'primary_lead_id' - 'owner_id'
        - 'qualifier_id' - 'product_id' || jsonb_build_object('account', a.domain, 'lead', l.email,
        'owner', u.email, 'qualifier', q.email, 'product', p.name))::text as r
      from opportunities o left join accounts a on a.id = o.account_id left join leads l on l.id = o.primary_lead_id
      left join users u on u.id = o.owner_id left join users q on q.id = o.qualifier_id
      left join products p on p.id = o.product_id where o.workspace_id = ${workspaceId}`,
    opportunity_contacts: sql`select (${opportunityKey} oc.opportunity_id) || '|' || l.email || '|' || oc.role) as r
      from opportunity_contacts oc join leads l on l.id = oc.lead_id where oc.workspace_id = ${workspaceId}`,
    lead_feedback: sql`select (to_jsonb(f) - 'id' - 'workspace_id' - 'lead_id' - 'owner_id' - 'decided_by'
        || jsonb_build_object('lead', l.email, 'owner', u.email, 'by', d.email))::text as r
      from lead_feedback f join leads l on l.id = f.lead_id left join users u on u.id = f.owner_id
      left join users d on d.id = f.decided_by where f.workspace_id = ${workspaceId}`,
    lead_assignments: sql`select (to_jsonb(a) - 'id' - 'workspace_id' - 'lead_id' - 'user_id' - 'previous_owner_id'
        - 'team_id' - 'rule_id' || jsonb_build_object('lead', l.email, 'user', u.email, 'previous', p.email, 'team', t.name))::text as r
      from lead_assignments a join leads l on l.id = a.lead_id left join users u on u.id = a.user_id
      left join users p on p.id = a.previous_owner_id left join teams t on t.id = a.team_id
      where a.workspace_id = ${workspaceId}`,
    insights: sql`select (to_jsonb(i) - 'id' - 'workspace_id' - 'lead_id' - 'account_id' - 'opportunity_id' - 'created_by'
        || jsonb_build_object('lead', l.email, 'account', a.domain, 'by', u.email,
           'opportunity', ${opportunityKey} i.opportunity_id)))::text as r
      from insights i left join leads l on l.id = i.lead_id left join accounts a on a.id = i.account_id
      left join users u on u.id = i.created_by where i.workspace_id = ${workspaceId}`,
    goals: sql`select (to_jsonb(g) - 'id' - 'workspace_id' - 'owner_id' - 'marketing_owner_id' - 'sales_owner_id'
        - 'created_by' - 'created_at' - 'updated_at' || jsonb_build_object('owner', u.email))::text as r
      from goals g left join users u on u.id = g.owner_id where g.workspace_id = ${workspaceId}`,
    activities: sql`select (to_jsonb(x) - 'id' - 'workspace_id' - 'lead_id' - 'opportunity_id' - 'actor_id'
        || jsonb_build_object('lead', l.email, 'actor', u.email, 'opportunity', ${opportunityKey} x.opportunity_id)))::text as r
      from activities x left join leads l on l.id = x.lead_id left join users u on u.id = x.actor_id
      where x.workspace_id = ${workspaceId}`,
  };
  const hashes: Record<string, string> = {};
  for (const [table, query] of Object.entries(queries)) {
    const result = await sql<{ hash: string; rows: number }>`
      select md5(coalesce(string_agg(q.r, E'\n' order by q.r), '')) as hash, count(*)::int as rows
      from (${query}) q`.execute(db);
    const row = result.rows[0]!;
    hashes[table] = `${row.rows}:${row.hash}`;
  }
  return hashes;
}

/** A row of the named counts or shares. */
type Counts<Column extends string> = Record<Column, number>;

async function one<T>(db: Kysely<DB>, query: ReturnType<typeof sql<T>>): Promise<T> {
  return (await query.execute(db)).rows[0] as T;
}

describe('demo company on first start', () => {
  let database: TestDatabase;
  let db: Kysely<DB>;
  let summary: DemoSummary;
  let ws: number;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.db;
    const login = await ensureDemoOnFirstStart(database, {
      today: TODAY,
      size: FIRST_START,
      onGenerated: (generated) => {
        summary = generated;
      },
    });
    expect(login).toEqual(DEMO_ADMIN);
    ws = summary.workspace.id;
  });
  afterAll(async () => database?.close());

  it('generates once: a store with a workspace is left alone', async () => {
    expect(await ensureDemoOnFirstStart(database, { today: TODAY })).toBeNull();
    const { workspaces } = await one<{ workspaces: number }>(
      db,
      sql`select count(*)::int as workspaces from workspaces`,
    );
    expect(workspaces).toBe(1);
  });

  it('lets the demo admin sign in with the printed password', async () => {
    const app = await buildApp({ database });
    try {
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: DEMO_ADMIN.email, password: DEMO_ADMIN.password },
      });
      expect(response.statusCode).toBe(200);
      const wrong = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'sdr03@demo.example.com', password: 'not-the-password' },
      });
      expect(wrong.statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });

  it('writes the volumes generated, counted in the database', async () => {
    const counts = await one<
      Counts<
        | 'leads'
        | 'touchpoints'
        | 'opportunities'
        | 'events'
        | 'activities'
        | 'accounts'
        | 'campaigns'
        | 'users'
      >
    >(
      db,
      sql`select
        (select count(*)::int from leads where workspace_id = ${ws}) as leads,
        (select count(*)::int from touchpoints where workspace_id = ${ws}) as touchpoints,
        (select count(*)::int from opportunities where workspace_id = ${ws}) as opportunities,
        (select count(*)::int from lifecycle_events where workspace_id = ${ws}) as events,
        (select count(*)::int from activities where workspace_id = ${ws}) as activities,
        (select count(*)::int from accounts where workspace_id = ${ws}) as accounts,
        (select count(*)::int from campaigns where workspace_id = ${ws}) as campaigns,
        (select count(*)::int from users where workspace_id = ${ws}) as users`,
    );
    expect(counts.leads).toBe(3_000);
    expect(counts.touchpoints).toBeGreaterThan(25_000);
    expect(counts.touchpoints).toBeLessThan(35_000);
    expect(counts.opportunities).toBeGreaterThan(220);
    expect(counts.opportunities).toBeLessThan(400);
    expect(counts.events).toBeGreaterThan(counts.leads);
    expect(counts.activities).toBeGreaterThan(3_000);
    expect(counts.accounts).toBeGreaterThan(600);
    expect(counts.campaigns).toBeGreaterThan(50);
    // The summary reports what was written.
    expect(summary.counts.leads).toBe(counts.leads);
    expect(summary.counts.touchpoints).toBe(counts.touchpoints);
    expect(summary.counts.opportunities).toBe(counts.opportunities);
    expect(summary.counts.users).toBe(counts.users);
  });

  it('every lead has a stage history that is a valid walk of the state machine, ending in its stage', async () => {
    const events = await sql<{
      lead_id: number;
      from_stage: LifecycleStage | null;
      to_stage: LifecycleStage;
      occurred_at: Date;
    }>`
      select lead_id, from_stage, to_stage, occurred_at from lifecycle_events
      where workspace_id = ${ws} order by lead_id, occurred_at, id`.execute(db);
    const stages = await sql<{
      id: number;
      stage: LifecycleStage;
    }>`select id, stage from leads where workspace_id = ${ws}`.execute(db);
    const stageOf = new Map(stages.rows.map((row) => [row.id, row.stage]));
    const lastOf = new Map<number, { to: LifecycleStage; at: number }>();
    let invalid = 0;
    for (const event of events.rows) {
      const previous = lastOf.get(event.lead_id);
      if (!previous) {
        if (event.from_stage !== null) invalid += 1;
      } else if (
        event.from_stage !== previous.to ||
        !checkTransition(previous.to, event.to_stage).allowed ||
        event.occurred_at.getTime() < previous.at
      ) {
        invalid += 1;
      }
      lastOf.set(event.lead_id, { to: event.to_stage, at: event.occurred_at.getTime() });
    }
    expect(invalid).toBe(0);
    expect(lastOf.size).toBe(stageOf.size);
    const mismatched = [...stageOf].filter(([id, stage]) => lastOf.get(id)?.to !== stage);
    expect(mismatched).toEqual([]);
  });

  it('each <stage>_at is the first event entering (or passing through) that stage', async () => {
    const { mismatches, stamped } = await one<{ mismatches: number; stamped: number }>(
      db,
      sql`
      with funnel(stage, rank) as (
        values ('subscriber', 1), ('lead', 2), ('mql', 3), ('sal', 4), ('sql', 5), ('opportunity', 6), ('customer', 7),
               ('recycled', null), ('disqualified', null)
      ),
      ranked as (
        select e.lead_id, e.occurred_at, e.to_stage, f.rank as from_rank, t.rank as to_rank
        from lifecycle_events e
        left join funnel f on f.stage = e.from_stage
        join funnel t on t.stage = e.to_stage
        where e.workspace_id = ${ws}
      ),
      expected as (
        select r.lead_id, s.stage, min(r.occurred_at) as at
        from ranked r join funnel s
          on s.stage = r.to_stage or (s.rank > r.from_rank and s.rank < r.to_rank)
        group by r.lead_id, s.stage
      ),
      actual as (
        select l.id as lead_id, s.stage, case s.stage
            when 'subscriber' then l.subscriber_at when 'lead' then l.lead_at when 'mql' then l.mql_at
            when 'sal' then l.sal_at when 'sql' then l.sql_at when 'opportunity' then l.opportunity_at
            when 'customer' then l.customer_at when 'recycled' then l.recycled_at else l.disqualified_at end as at
        from leads l cross join funnel s where l.workspace_id = ${ws}
      )
      select
        (select count(*)::int from actual a full join expected x using (lead_id, stage)
          where (a.at is not null or x.at is not null) and a.at is distinct from x.at) as mismatches,
        (select count(*)::int from actual where at is not null) as stamped`,
    );
    expect(stamped).toBeGreaterThan(3_000);
    expect(mismatches).toBe(0);
  });

  it('nothing happens on or after the reference day', async () => {
    const latest = await one<Record<string, Date | null>>(
      db,
      sql`select
        (select max(occurred_at) from touchpoints where workspace_id = ${ws}) as touchpoints,
        (select max(occurred_at) from lifecycle_events where workspace_id = ${ws}) as events,
        (select max(occurred_at) from activities where workspace_id = ${ws}) as activities,
        (select max(closed_at) from opportunities where workspace_id = ${ws}) as closed,
        (select max(created_at) from leads where workspace_id = ${ws}) as leads`,
    );
    for (const [what, moment] of Object.entries(latest)) {
      expect(moment, what).not.toBeNull();
      expect(moment!.getTime(), what).toBeLessThan(TODAY.getTime());
    }
  });

  it('touchpoints before a lead existed are anonymous web visits of the 30 days before; the conversion is at created_at', async () => {
    const result = await one<
      Counts<
        'before_creation' | 'bad_before' | 'bad_inbound' | 'bad_outbound' | 'bad_first_touch' | 'outbound'
      >
    >(
      db,
      sql`select
        (select count(*)::int from touchpoints t join leads l on l.id = t.lead_id
          where t.workspace_id = ${ws} and t.occurred_at < l.created_at) as before_creation,
        (select count(*)::int from touchpoints t join leads l on l.id = t.lead_id
          where t.workspace_id = ${ws} and t.occurred_at < l.created_at
            and (t.type not in ('page_view', 'ad_click') or t.occurred_at < l.created_at - interval '30 days')) as bad_before,
        (select count(*)::int from leads l where l.workspace_id = ${ws} and l.source <> 'outbound'
          and (select count(*) from touchpoints t where t.workspace_id = l.workspace_id and t.lead_id = l.id
                and t.occurred_at = l.created_at and t.type in ('form_fill', 'content_download', 'event', 'chat')) <> 1) as bad_inbound,
        (select count(*)::int from leads l where l.workspace_id = ${ws} and l.source = 'outbound'
          and exists (select 1 from touchpoints t where t.workspace_id = l.workspace_id and t.lead_id = l.id
                and t.occurred_at <= l.created_at)) as bad_outbound,
        (select count(*)::int from leads l
          join lateral (select t.channel, t.utm_source, t.utm_campaign from touchpoints t
            where t.workspace_id = l.workspace_id and t.lead_id = l.id order by t.occurred_at, t.id limit 1) f on true
          where l.workspace_id = ${ws} and l.source <> 'outbound'
            and (f.channel <> l.source or f.utm_source is distinct from l.first_utm_source
                 or f.utm_campaign is distinct from l.first_utm_campaign)) as bad_first_touch,
        (select count(*)::int from leads where workspace_id = ${ws} and source = 'outbound') as outbound`,
    );
    expect(result.before_creation).toBeGreaterThan(300);
    expect(result.outbound).toBeGreaterThan(300);
    expect(result.bad_before).toBe(0);
    expect(result.bad_inbound).toBe(0);
    expect(result.bad_outbound).toBe(0);
    expect(result.bad_first_touch).toBe(0);
  });

  it('opportunities: closed ones close after they open, won ones made their lead a customer', async () => {
    const result = await one<
      Counts<
        | 'bad_closed'
        | 'bad_open'
        | 'bad_stage'
        | 'bad_lead'
        | 'bad_customer'
        | 'lost_without_reason'
        | 'with_competitor'
        | 'open'
        | 'won'
        | 'lost'
        | 'without_owner'
        | 'contacts'
      >
    >(
      db,
      sql`select
        count(*) filter (where o.status in ('won', 'lost') and (o.closed_at is null or o.closed_at < o.created_at))::int as bad_closed,
        count(*) filter (where o.status = 'open' and o.closed_at is not null)::int as bad_open,
        count(*) filter (where o.status = 'won' and o.stage <> 'closed_won' or o.status = 'lost' and o.stage <> 'closed_lost')::int as bad_stage,
        count(*) filter (where o.source <> 'expansion' and (l.opportunity_at is null or l.opportunity_at > o.created_at))::int as bad_lead,
        count(*) filter (where o.status = 'won' and (l.stage <> 'customer' or l.customer_at > o.closed_at))::int as bad_customer,
        count(*) filter (where o.status = 'lost' and o.reason is null)::int as lost_without_reason,
        count(*) filter (where o.competitor is not null)::int as with_competitor,
        count(*) filter (where o.status = 'open')::int as open,
        count(*) filter (where o.status = 'won')::int as won,
        count(*) filter (where o.status = 'lost')::int as lost,
        count(*) filter (where o.owner_id is null)::int as without_owner,
        (select count(*)::int from opportunity_contacts c where c.workspace_id = ${ws}) as contacts
      from opportunities o join leads l on l.id = o.primary_lead_id
      where o.workspace_id = ${ws}`,
    );
    expect(result).toMatchObject({
      bad_closed: 0,
      bad_open: 0,
      bad_stage: 0,
      bad_lead: 0,
      bad_customer: 0,
      lost_without_reason: 0,
      without_owner: 0,
    });
    expect(result.open).toBeGreaterThan(15);
    expect(result.with_competitor).toBeGreaterThan(30);
    const winRate = result.won / (result.won + result.lost);
    expect(winRate).toBeGreaterThan(0.18);
    expect(winRate).toBeLessThan(0.35);
    expect(result.contacts).toBeGreaterThan(result.won + result.lost + result.open);
  });

  it('converts at believable rates, with recycled and disqualified leads', async () => {
    const rates = await one<
      Counts<'inbound' | 'inbound_mql' | 'mql' | 'sal' | 'sql' | 'opportunity' | 'recycled' | 'disqualified'>
    >(
      db,
      sql`select
        count(*) filter (where source <> 'outbound')::int as inbound,
        count(*) filter (where source <> 'outbound' and mql_at is not null)::int as inbound_mql,
        count(mql_at)::int as mql, count(sal_at)::int as sal, count(sql_at)::int as sql,
        count(opportunity_at)::int as opportunity,
        count(*) filter (where stage = 'recycled')::int as recycled,
        count(*) filter (where stage = 'disqualified')::int as disqualified
      from leads where workspace_id = ${ws}`,
    );
    const leadToMql = rates.inbound_mql / rates.inbound;
    expect(leadToMql).toBeGreaterThan(0.15);
    expect(leadToMql).toBeLessThan(0.32);
    expect(rates.sal / rates.mql).toBeGreaterThan(0.5);
    expect(rates.sal / rates.mql).toBeLessThan(0.8);
    expect(rates.sql / rates.sal).toBeGreaterThan(0.4);
    expect(rates.sql / rates.sal).toBeLessThan(0.7);
    expect(rates.opportunity / rates.sql).toBeGreaterThan(0.5);
    expect(rates.opportunity / rates.sql).toBeLessThan(0.75);
    expect(rates.recycled).toBeGreaterThan(90);
    expect(rates.disqualified).toBeGreaterThan(90);
  });

  it('sales follow-up has fast, slow and missing responses (speed to lead)', async () => {
    const speed = await one<Counts<'leads' | 'never' | 'within_hour' | 'over_day'>>(
      db,
      sql`with handed as (
          select l.id, greatest(l.mql_at, l.assigned_at) as handoff from leads l
          where l.workspace_id = ${ws} and l.source <> 'outbound' and l.mql_at is not null
            and l.mql_at < ${TODAY}::timestamptz - interval '30 days'
        ), answered as (
          select h.handoff, (select min(a.occurred_at) from activities a
            where a.workspace_id = ${ws} and a.lead_id = h.id and a.occurred_at >= h.handoff) as first_at
          from handed h
        )
        select count(*)::int as leads,
          avg(case when first_at is null then 1.0 else 0 end)::float8 as never,
          avg(case when first_at <= handoff + interval '1 hour' then 1.0 else 0 end)::float8 as within_hour,
          avg(case when first_at > handoff + interval '24 hours' then 1.0 else 0 end)::float8 as over_day
        from answered`,
    );
    expect(speed.leads).toBeGreaterThan(300);
    expect(speed.never).toBeGreaterThan(0.17);
    expect(speed.never).toBeLessThan(0.3);
    expect(speed.within_hour).toBeGreaterThan(0.12);
    expect(speed.within_hour).toBeLessThan(0.35);
    expect(speed.over_day).toBeGreaterThan(0.15);
    expect(speed.over_day).toBeLessThan(0.35);
  });

  it('cost per lead differs by channel and some campaigns spent money without pipeline', async () => {
    const channels = await sql<{ channel: string; cost: number; leads: number }>`
      select c.channel, sum(c.cost)::float8 as cost,
        (select count(*)::int from leads l join campaigns s on s.id = l.first_campaign_id
          where l.workspace_id = ${ws} and s.channel = c.channel) as leads
      from campaigns c where c.workspace_id = ${ws} group by c.channel`.execute(db);
    const cpl = Object.fromEntries(
      channels.rows.map((row) => [row.channel, row.cost / Math.max(1, row.leads)]),
    );
    expect(cpl.events).toBeGreaterThan(cpl.paid_search!);
    expect(cpl.paid_search).toBeGreaterThan(cpl.organic_search!);
    expect(cpl.organic_search).toBeGreaterThan(cpl.email!);
    const { failures } = await one<{ failures: number }>(
      db,
      sql`select count(*)::int as failures from campaigns c
        where c.workspace_id = ${ws} and c.parent_id is not null and c.cost > 0 and c.end_date < ${'2025-06-01'}::date
          and not exists (select 1 from leads l join opportunities o on o.primary_lead_id = l.id
                          where l.workspace_id = c.workspace_id and l.first_campaign_id = c.id)`,
    );
    expect(failures).toBeGreaterThan(0);
  });

  it('records every accept and reject decision as the feedback area does, with valid reason codes', async () => {
    const result = await one<
      Counts<
        | 'accepted'
        | 'rejected'
        | 'without_event'
        | 'unknown_reason'
        | 'rejected_with_owner'
        | 'status_mismatch'
        | 'handoff_after_decision'
      >
    >(
      db,
      sql`select
        count(*) filter (where f.decision = 'accepted')::int as accepted,
        count(*) filter (where f.decision = 'rejected')::int as rejected,
        count(*) filter (where not exists (
          select 1 from lifecycle_events e where e.workspace_id = f.workspace_id and e.lead_id = f.lead_id
            and e.occurred_at = f.decided_at and e.actor_id = f.decided_by
            and e.to_stage = case f.decision when 'accepted' then 'sal' else f.outcome end
            and (f.decision = 'accepted' or e.reason like 'rejected by sales: %')))::int as without_event,
        count(*) filter (where f.decision = 'rejected' and not exists (
          select 1 from rejection_reasons r where r.workspace_id = f.workspace_id and r.code = f.reason_code)
        )::int as unknown_reason,
        (select count(*)::int from leads l where l.workspace_id = ${ws} and l.lead_status like 'rejected: %'
          and l.owner_id is not null) as rejected_with_owner,
        (select count(*)::int from leads l where l.workspace_id = ${ws} and l.stage in ('recycled', 'disqualified')
          and l.lead_status like 'rejected: %' and l.lead_status <> 'rejected: ' || (
            select f2.reason_code from lead_feedback f2 where f2.lead_id = l.id and f2.decision = 'rejected'
            order by f2.decided_at desc limit 1)) as status_mismatch,
        count(*) filter (where f.handoff_at > f.decided_at)::int as handoff_after_decision
      from lead_feedback f where f.workspace_id = ${ws}`,
    );
    expect(result.accepted).toBeGreaterThan(300);
    expect(result.rejected).toBeGreaterThan(90);
    expect(result).toMatchObject({
      without_event: 0,
      unknown_reason: 0,
      rejected_with_owner: 0,
      status_mismatch: 0,
      handoff_after_decision: 0,
    });
  });

  it('records who got each handed-off lead; the last assignment is the lead assigned_at', async () => {
    const result = await one<Counts<'assignments' | 'mismatched' | 'handed_off_without'>>(
      db,
      sql`select
        (select count(*)::int from lead_assignments where workspace_id = ${ws}) as assignments,
        (select count(*)::int from leads l where l.workspace_id = ${ws} and l.assigned_at is not null
          and l.assigned_at <> (select max(a.assigned_at) from lead_assignments a
                                where a.workspace_id = l.workspace_id and a.lead_id = l.id)) as mismatched,
        (select count(*)::int from leads l where l.workspace_id = ${ws} and l.mql_at is not null
          and not exists (select 1 from lead_assignments a where a.workspace_id = l.workspace_id and a.lead_id = l.id)
        ) as handed_off_without`,
    );
    expect(result.assignments).toBeGreaterThan(900);
    expect(result.mismatched).toBe(0);
    expect(result.handed_off_without).toBe(0);
  });

  it('seeds the settings of the other areas from the history: goals, SLA, routing, qualification, a form', async () => {
    const result = await one<
      Counts<'goals' | 'policies' | 'calendars' | 'commitments' | 'rules' | 'forms' | 'reasons' | 'insights'>
    >(
      db,
      sql`select
        (select count(*)::int from goals where workspace_id = ${ws}) as goals,
        (select count(*)::int from sla_policies where workspace_id = ${ws}) as policies,
        (select count(*)::int from business_calendars where workspace_id = ${ws}) as calendars,
        (select count(*)::int from sla_commitments where workspace_id = ${ws}) as commitments,
        (select count(*)::int from routing_rules where workspace_id = ${ws}) as rules,
        (select count(*)::int from web_forms where workspace_id = ${ws}) as forms,
        (select count(*)::int from rejection_reasons where workspace_id = ${ws}) as reasons,
        (select count(*)::int from insights where workspace_id = ${ws}) as insights`,
    );
    expect(result).toMatchObject({ goals: 5, policies: 3, calendars: 1, commitments: 9, rules: 1, forms: 1 });
    expect(result.reasons).toBeGreaterThanOrEqual(8);
    expect(result.insights).toBeGreaterThan(60);
    // The year's goal is the sum of its quarters'.
    const goals = await sql<{ period: string; revenue: number }>`
      select period, revenue::float8 as revenue from goals where workspace_id = ${ws} order by period`.execute(
      db,
    );
    const year = goals.rows.find((goal) => /^\d{4}$/.test(goal.period))!;
    const quarters = goals.rows.filter((goal) => goal.period.includes('-Q'));
    expect(quarters).toHaveLength(4);
    expect(year.revenue).toBe(quarters.reduce((sum, goal) => sum + goal.revenue, 0));
    expect(summary.counts.goals).toBe(5);
  });

  it('installs the scoring model so every stored score is the one its explanation adds up to, handing nobody off', async () => {
    const model = await one<{ version: number; rules: number }>(
      db,
      sql`select version, jsonb_array_length(definition->'fit_rules')::int as rules
          from scoring_models where workspace_id = ${ws} order by version desc limit 1`,
    );
    expect(model.version).toBe(1);
    expect(model.rules).toBeGreaterThan(10);
    // Explanations are computed by the pure functions, independently of the SQL that stored
    // the scores; they agree on a spread of leads (as of the reference day the scores were written).
    const sample = await sql<{
      id: number;
      fit_score: number;
      engagement_score: number;
      temperature: string;
    }>`
      select id, fit_score, engagement_score, temperature from leads where workspace_id = ${ws} order by id`.execute(
      db,
    );
    const picked = sample.rows.filter((_, index) => index % 97 === 0);
    expect(picked.length).toBeGreaterThan(10);
    for (const lead of picked) {
      const explanation = await explainLeadScore(db, systemCaller(ws), lead.id, TODAY);
      expect(
        [explanation.fit_score, explanation.engagement_score, explanation.temperature],
        `lead ${lead.id}`,
      ).toEqual([lead.fit_score, lead.engagement_score, lead.temperature]);
    }
    // Installing the model wrote scores only: no stage change is dated on or after the reference day.
    const late = await one<{ n: number }>(
      db,
      sql`select count(*)::int as n from lifecycle_events where workspace_id = ${ws} and occurred_at >= ${TODAY}`,
    );
    expect(late.n).toBe(0);
  });

  it('has a team with managers, reps away or gone, and one SDR at capacity', async () => {
    const users = await sql<{
      name: string;
      email: string;
      status: string;
      capacity: number | null;
      open: number;
      manager: string | null;
    }>`
      select u.name, u.email, u.status, u.capacity, m.name as manager,
        (select count(*)::int from leads l where l.workspace_id = u.workspace_id and l.owner_id = u.id
          and l.stage in ('mql', 'sal')) as open
      from users u left join users m on m.id = u.manager_id where u.workspace_id = ${ws} order by u.id`.execute(
      db,
    );
    const byName = new Map(users.rows.map((row) => [row.name, row]));
    expect(byName.get('SDR 03')?.email).toBe('sdr03@demo.example.com');
    expect(byName.get('SDR 03')?.manager).toBe('SDR Manager');
    expect(byName.get('AE West 2')?.manager).toBe('Sales Manager West');
    expect(byName.get('SDR 02')?.capacity).toBe(byName.get('SDR 02')?.open);
    expect(byName.get('SDR 02')?.open).toBeGreaterThan(0);
    expect(byName.get('SDR 03')!.capacity!).toBeGreaterThan(byName.get('SDR 03')!.open);
    expect(users.rows.filter((row) => row.status === 'away').length).toBeGreaterThan(0);
    expect(users.rows.filter((row) => row.status === 'inactive').length).toBeGreaterThan(0);
    expect(users.rows.map((row) => row.email)).toContain(DEMO_ADMIN.email);
  });
});

describe('demo determinism, refusal and reset', () => {
  let database: TestDatabase;
  let db: Kysely<DB>;
  const generate = (slug: string, seed: number, reset = false) =>
    generateDemo(db, { size: SMALL, seed, today: TODAY, workspace: { slug }, reset });

  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.db;
  });
  afterAll(async () => database?.close());

  it('same seed gives identical rows, another seed different ones; reset regenerates the same company', async () => {
    const a = (await generate('a', 7))!;
    const hashA = await workspaceHashes(db, a.workspace.id);
    expect(hashA.leads).toMatch(/^800:/);

    // The only workspace of the store: reset truncates and regenerates identical rows.
    const again = (await generate('a', 7, true))!;
    expect(again.reset).toBe('truncated');
    expect(await workspaceHashes(db, again.workspace.id)).toEqual(hashA);

    const b = (await generate('b', 7))!;
    expect(await workspaceHashes(db, b.workspace.id)).toEqual(hashA);

    const c = (await generate('c', 8))!;
    const hashC = await workspaceHashes(db, c.workspace.id);
    for (const table of [
      'leads',
      'touchpoints',
      'lifecycle_events',
      'activities',
      'opportunities',
      'accounts',
    ]) {
      expect(hashC[table], table).not.toBe(hashA[table]);
    }

    // With other workspaces present, reset deletes only this workspace's rows.
    const bAsC = (await generate('b', 8, true))!;
    expect(bAsC.reset).toBe('deleted');
    expect(await workspaceHashes(db, bAsC.workspace.id)).toEqual(hashC);
    expect(await workspaceHashes(db, again.workspace.id)).toEqual(hashA);
  });

  it('refuses a workspace that already has leads, naming --reset and -w', async () => {
    const before = await one<{ leads: number }>(db, sql`select count(*)::int as leads from leads`);
    await expect(generate('a', 9)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/already has leads.*--reset.*-w/),
    });
    const after = await one<{ leads: number }>(db, sql`select count(*)::int as leads from leads`);
    expect(after.leads).toBe(before.leads);
  });

  it('rejects a seed out of range', async () => {
    await expect(generate('d', -1)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
