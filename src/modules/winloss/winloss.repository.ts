import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { NO_STATE } from '../attribution/journeys.ts';
import { inPeriod } from '../attribution/period-sql.ts';
import type { WinLossDimension } from './winloss.ts';

interface Period {
  from: Date | null;
  to: Date | null;
}

/** Key and label of a deal on a dimension (key null: the deal has no value there). */
const DIMENSION: Record<WinLossDimension, { key: RawBuilder<unknown>; label: RawBuilder<unknown> }> = {
  segment: { key: sql`nullif(btrim(o.segment), '')`, label: sql`nullif(btrim(o.segment), '')` },
  owner: { key: sql`o.owner_id::text`, label: sql`owner.name` },
  team: { key: sql`team.id::text`, label: sql`team.name` },
  manager: { key: sql`manager.id::text`, label: sql`manager.name` },
  source: {
    key: sql`coalesce(nullif(btrim(o.source), ''), nullif(btrim(lead.source), ''))`,
    label: sql`coalesce(nullif(btrim(o.source), ''), nullif(btrim(lead.source), ''))`,
  },
  channel: {
    key: sql`nullif(snapshot.sourcing_channel, ${NO_STATE})`,
    label: sql`nullif(snapshot.sourcing_channel, ${NO_STATE})`,
  },
  campaign: { key: sql`snapshot.sourcing_campaign_id::text`, label: sql`campaign.name` },
  product: { key: sql`o.product_id::text`, label: sql`product.name` },
  competitor: { key: sql`nullif(btrim(o.competitor), '')`, label: sql`nullif(btrim(o.competitor), '')` },
};

export interface WinLossGroupRow {
  /** True for the row over every deal. */
  is_total: boolean;
  key: string | null;
  label: string | null;
  won: number;
  lost: number;
  won_revenue: number;
  lost_amount: number;
  avg_won_amount: number | null;
  avg_lost_amount: number | null;
  avg_won_cycle_days: number | null;
  avg_lost_cycle_days: number | null;
  median_won_cycle_days: number | null;
  median_lost_cycle_days: number | null;
}

/**
 * Deals won or lost in the period (by closed_at), per value of a dimension and over all
 * (grouping sets): counts, amounts, and cycle days (closed_at - created_at).
 */
export async function findWinLossGroups(
  db: Kysely<DB>,
  workspaceId: number,
  dimension: WinLossDimension,
  period: Period,
): Promise<WinLossGroupRow[]> {
  const { key, label } = DIMENSION[dimension];
  const result = await sql<WinLossGroupRow>`
    with deals as (
      select o.status, coalesce(o.amount, 0) as amount,
        extract(epoch from (o.closed_at - o.created_at)) / 86400 as cycle_days,
        ${key} as key, ${label} as label
      from opportunities o
      left join users owner on owner.id = o.owner_id
      left join teams team on team.id = owner.team_id
      left join users manager on manager.id = coalesce(owner.manager_id, team.manager_id)
      left join leads lead on lead.id = o.primary_lead_id
      left join products product on product.id = o.product_id
      left join attribution_opportunity_snapshots snapshot on snapshot.opportunity_id = o.id
      left join campaigns campaign on campaign.id = snapshot.sourcing_campaign_id
      where o.workspace_id = ${workspaceId} and o.status in ('won', 'lost')
        and ${inPeriod(sql`o.closed_at`, period)}
    )
    select grouping(key, label) > 0 as is_total, key, label,
      count(*) filter (where status = 'won')::int as won,
      count(*) filter (where status = 'lost')::int as lost,
      coalesce(sum(amount) filter (where status = 'won'), 0) as won_revenue,
      coalesce(sum(amount) filter (where status = 'lost'), 0) as lost_amount,
      avg(amount) filter (where status = 'won') as avg_won_amount,
      avg(amount) filter (where status = 'lost') as avg_lost_amount,
      avg(cycle_days) filter (where status = 'won')::float8 as avg_won_cycle_days,
      avg(cycle_days) filter (where status = 'lost')::float8 as avg_lost_cycle_days,
      percentile_cont(0.5) within group (order by cycle_days) filter (where status = 'won') as median_won_cycle_days,
      percentile_cont(0.5) within group (order by cycle_days) filter (where status = 'lost') as median_lost_cycle_days
    from deals
    group by grouping sets ((key, label), ())`.execute(db);
  return result.rows;
}

export interface ReasonRow {
  status: 'won' | 'lost';
  reason: string | null;
  deals: number;
  amount: number;
}

export async function findReasons(db: Kysely<DB>, workspaceId: number, period: Period): Promise<ReasonRow[]> {
  const result = await sql<ReasonRow>`
    select status, nullif(btrim(reason), '') as reason, count(*)::int as deals, coalesce(sum(amount), 0) as amount
    from opportunities
    where workspace_id = ${workspaceId} and status in ('won', 'lost')
      and ${inPeriod(sql`closed_at`, period)}
    group by 1, 2
    order by 1 desc, 3 desc, 2`.execute(db);
  return result.rows;
}

export interface MqlToWonRow {
  is_total: boolean;
  source: string | null;
  mqls: number;
  won: number;
  mean_days_to_close: number | null;
  median_days_to_close: number | null;
}

/**
 * Leads that reached MQL in the period, by source: how many became a won deal (as its
 * primary lead or a contact, whenever it was won) and the days from the MQL moment to the
 * first such win. Read from the lead snapshots, which carry both (refresh them first).
 */
export async function findMqlToWon(
  db: Kysely<DB>,
  workspaceId: number,
  period: Period,
): Promise<MqlToWonRow[]> {
  const result = await sql<MqlToWonRow>`
    with cohort as (
      select source, first_won_at is not null as won, extract(epoch from (first_won_at - mql_at)) / 86400 as days
      from attribution_lead_snapshots
      where workspace_id = ${workspaceId} and ${inPeriod(sql`mql_at`, period)}
    )
    select grouping(source) > 0 as is_total, source, count(*)::int as mqls, count(*) filter (where won)::int as won,
      avg(days)::float8 as mean_days_to_close,
      percentile_cont(0.5) within group (order by days) as median_days_to_close
    from cohort
    group by grouping sets ((source), ())`.execute(db);
  return result.rows;
}

export interface CampaignName {
  id: number;
  name: string;
}

export async function findCampaignNames(
  db: Kysely<DB>,
  workspaceId: number,
  ids: number[],
): Promise<CampaignName[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('campaigns')
    .select(['id', 'name'])
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', ids)
    .execute();
}

// ---------------------------------------------------------------------------------------
// Deal review

export interface ReviewDealRow {
  id: number;
  name: string;
  status: 'open' | 'won' | 'lost';
  stage: string;
  amount: number | null;
  currency: string;
  created_at: Date;
  closed_at: Date | null;
  close_date: string | null;
  reason: string | null;
  competitor: string | null;
  source: string | null;
  segment: string | null;
  owner_id: number | null;
  owner_name: string | null;
  product_id: number | null;
  product_name: string | null;
  account_id: number | null;
  account_name: string | null;
  primary_lead_id: number | null;
  lead_moment: Date | null;
}

export async function findReviewDeal(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
): Promise<ReviewDealRow | undefined> {
  const result = await sql<ReviewDealRow>`
    select o.id, o.name, o.status, o.stage, o.amount, o.currency, o.created_at, o.closed_at,
      to_char(o.close_date, 'YYYY-MM-DD') as close_date, o.reason, o.competitor, o.source, o.segment,
      o.owner_id, owner.name as owner_name, o.product_id, product.name as product_name,
      o.account_id, account.name as account_name, o.primary_lead_id,
      (select min(coalesce(l.lead_at, l.created_at))
        from (
          select o.primary_lead_id as lead_id
          union
          select oc.lead_id from opportunity_contacts oc where oc.opportunity_id = o.id
        ) m join leads l on l.id = m.lead_id) as lead_moment
    from opportunities o
    left join users owner on owner.id = o.owner_id
    left join products product on product.id = o.product_id
    left join accounts account on account.id = o.account_id
    where o.workspace_id = ${workspaceId} and o.id = ${id}`.execute(db);
  return result.rows[0];
}

export interface ReviewLeadRow {
  id: number;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  title: string | null;
  company: string | null;
  stage: string;
  source: string | null;
  created_at: Date;
  role: string;
}

export async function findReviewLeads(
  db: Kysely<DB>,
  workspaceId: number,
  dealId: number,
): Promise<ReviewLeadRow[]> {
  const result = await sql<ReviewLeadRow>`
    with deal as (
      select id, primary_lead_id from opportunities where workspace_id = ${workspaceId} and id = ${dealId}
    ),
    members as (
      select primary_lead_id as lead_id from deal where primary_lead_id is not null
      union
      select lead_id from opportunity_contacts where workspace_id = ${workspaceId} and opportunity_id = ${dealId}
    )
    select l.id, l.email, l.first_name, l.last_name, l.title, l.company, l.stage, l.source, l.created_at,
      case when l.id = deal.primary_lead_id then 'primary' else coalesce(oc.role, 'contact') end as role
    from members m
    join leads l on l.id = m.lead_id and l.workspace_id = ${workspaceId}
    cross join deal
    left join opportunity_contacts oc on oc.opportunity_id = deal.id and oc.lead_id = l.id
    order by (l.id = deal.primary_lead_id) desc, l.created_at, l.id`.execute(db);
  return result.rows;
}

export interface ReviewStageRow {
  lead_id: number;
  from_stage: string | null;
  to_stage: string;
  occurred_at: Date;
  reason: string | null;
}

export async function findStageHistory(
  db: Kysely<DB>,
  workspaceId: number,
  leadIds: number[],
): Promise<ReviewStageRow[]> {
  if (leadIds.length === 0) return [];
  return db
    .selectFrom('lifecycle_events')
    .select(['lead_id', 'from_stage', 'to_stage', 'occurred_at', 'reason'])
    .where('workspace_id', '=', workspaceId)
    .where('lead_id', 'in', leadIds)
    .orderBy('occurred_at')
    .orderBy('id')
    .execute();
}

export interface ReviewTouchRow {
  id: number;
  lead_id: number;
  type: string;
  occurred_at: Date;
  channel: string;
  campaign_id: number | null;
  campaign_name: string | null;
  content: string | null;
  at_or_before_lead_creation: boolean;
  at_or_before_creation: boolean;
  at_or_before_close: boolean | null;
}

/** Every touch of the deal's leads in time order, with where it stands against the deal's moments. */
export async function findReviewTouches(
  db: Kysely<DB>,
  workspaceId: number,
  deal: { created_at: Date; closed_at: Date | null; lead_moment: Date | null },
  leadIds: number[],
): Promise<ReviewTouchRow[]> {
  if (leadIds.length === 0) return [];
  const result = await sql<ReviewTouchRow>`
    select t.id, t.lead_id, t.type, t.occurred_at,
      coalesce(nullif(btrim(t.channel), ''), c.channel, ${NO_STATE}) as channel,
      t.campaign_id, c.name as campaign_name,
      case when t.type = 'content_download' then coalesce(t.content_id::text, nullif(btrim(t.metadata->>'content_id'), ''),
        nullif(btrim(t.metadata->>'asset'), ''), nullif(btrim(t.metadata->>'title'), ''),
        nullif(btrim(t.metadata->>'name'), ''), nullif(btrim(t.utm_content), ''), '(unnamed)') end as content,
      coalesce(t.occurred_at <= ${deal.lead_moment}::timestamptz, false) as at_or_before_lead_creation,
      t.occurred_at <= ${deal.created_at}::timestamptz as at_or_before_creation,
      t.occurred_at <= ${deal.closed_at}::timestamptz as at_or_before_close
    from touchpoints t
    left join campaigns c on c.id = t.campaign_id
    where t.workspace_id = ${workspaceId} and t.lead_id = any(${leadIds}::int[])
    order by t.occurred_at, t.id`.execute(db);
  return result.rows;
}

export interface ReviewActivityRow {
  id: number;
  lead_id: number | null;
  opportunity_id: number | null;
  type: string;
  outcome: string | null;
  notes: string | null;
  occurred_at: Date;
  actor_id: number | null;
  actor_name: string | null;
}

export async function findReviewActivities(
  db: Kysely<DB>,
  workspaceId: number,
  dealId: number,
  leadIds: number[],
): Promise<ReviewActivityRow[]> {
  const result = await sql<ReviewActivityRow>`
    select a.id, a.lead_id, a.opportunity_id, a.type, a.outcome, a.notes, a.occurred_at, a.actor_id, u.name as actor_name
    from activities a
    left join users u on u.id = a.actor_id
    where a.id in (
      select id from activities where workspace_id = ${workspaceId} and opportunity_id = ${dealId}
      union
      select id from activities where workspace_id = ${workspaceId} and lead_id = any(${leadIds}::int[]))
    order by a.occurred_at, a.id`.execute(db);
  return result.rows;
}
