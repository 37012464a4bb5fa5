import { type Kysely, type Selectable, sql } from 'kysely';
import { unnestSource } from '../../db/bulk.ts';
import type { DB } from '../../db/schema.ts';
import type {
  AttributionLeadSnapshotsTable,
  AttributionOpportunitySnapshotsTable,
} from '../../db/tables/attribution.ts';
import { ALL_TIME, AMOUNT_SCALE, DEAL_SCALE, formatUnits, NO_STATE, type RollupDelta } from './journeys.ts';

export type LeadSnapshotRow = Selectable<AttributionLeadSnapshotsTable>;
export type OpportunitySnapshotRow = Selectable<AttributionOpportunitySnapshotsTable>;

/** Lock class of the rollup refresh (pg_advisory_xact_lock(class, workspace)). */
const ROLLUP_LOCK_CLASS = 600;

/** Serialises rollup refreshes of one workspace until the transaction ends. */
export async function lockRollups(db: Kysely<DB>, workspaceId: number): Promise<void> {
  await sql`select pg_advisory_xact_lock(${ROLLUP_LOCK_CLASS}::int4, ${workspaceId}::int4)`.execute(db);
}

export async function getRollupVersion(db: Kysely<DB>, workspaceId: number): Promise<number | null> {
  const row = await db
    .selectFrom('attribution_rollup_state')
    .select('version')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return row?.version ?? null;
}

export async function setRollupVersion(db: Kysely<DB>, workspaceId: number, version: number): Promise<void> {
  await db
    .insertInto('attribution_rollup_state')
    .values({ workspace_id: workspaceId, version, refreshed_at: new Date() })
    .onConflict((conflict) =>
      conflict.column('workspace_id').doUpdateSet({ version, refreshed_at: new Date() }),
    )
    .execute();
}

/** VACUUM cannot run in a transaction: call it with the database, not a transaction. */
export async function vacuumRollups(db: Kysely<DB>): Promise<void> {
  await sql`vacuum (analyze) attribution_rollup, attribution_lead_snapshots, attribution_opportunity_snapshots`.execute(
    db,
  );
}

/** Forgets every snapshot, rollup row and queued change of a workspace (before a rebuild). */
export async function clearRollups(db: Kysely<DB>, workspaceId: number): Promise<void> {
  await db.deleteFrom('attribution_rollup').where('workspace_id', '=', workspaceId).execute();
  await db.deleteFrom('attribution_lead_snapshots').where('workspace_id', '=', workspaceId).execute();
  await db.deleteFrom('attribution_opportunity_snapshots').where('workspace_id', '=', workspaceId).execute();
  await db.deleteFrom('attribution_queue').where('workspace_id', '=', workspaceId).execute();
}

export interface QueuedChanges {
  leadIds: number[];
  opportunityIds: number[];
  campaignIds: number[];
}

/**
 * Takes the committed queue entries of a workspace. Entries written by transactions still
 * running stay invisible here and are taken by a later refresh, after their data is visible.
 */
export async function claimQueue(db: Kysely<DB>, workspaceId: number): Promise<QueuedChanges> {
  const rows = await db
    .deleteFrom('attribution_queue')
    .where('workspace_id', '=', workspaceId)
    .returning(['lead_id', 'opportunity_id', 'campaign_id'])
    .execute();
  const distinct = (values: (number | null)[]) =>
    [...new Set(values.filter((value): value is number => value !== null))].sort((a, b) => a - b);
  return {
    leadIds: distinct(rows.map((row) => row.lead_id)),
    opportunityIds: distinct(rows.map((row) => row.opportunity_id)),
    campaignIds: distinct(rows.map((row) => row.campaign_id)),
  };
}

export async function findAllLeadIds(db: Kysely<DB>, workspaceId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('leads')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .orderBy('id')
    .execute();
  return rows.map((row) => row.id);
}

export async function findAllOpportunityIds(db: Kysely<DB>, workspaceId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('opportunities')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .orderBy('id')
    .execute();
  return rows.map((row) => row.id);
}

/** Leads whose journey runs through one of these campaigns, or that were first assigned to one. */
export async function findLeadIdsOfCampaigns(
  db: Kysely<DB>,
  workspaceId: number,
  campaignIds: number[],
): Promise<number[]> {
  if (campaignIds.length === 0) return [];
  const result = await sql<{ id: number }>`
    select distinct lead_id as id from touchpoints
    where workspace_id = ${workspaceId} and campaign_id = any(${campaignIds}::int[])
    union
    select id from leads where workspace_id = ${workspaceId} and first_campaign_id = any(${campaignIds}::int[])`.execute(
    db,
  );
  return result.rows.map((row) => row.id);
}

/** The leads of these opportunities now, and those their snapshots held. */
export async function findLeadIdsOfOpportunities(
  db: Kysely<DB>,
  workspaceId: number,
  opportunityIds: number[],
): Promise<number[]> {
  if (opportunityIds.length === 0) return [];
  const result = await sql<{ id: number }>`
    select primary_lead_id as id from opportunities
    where workspace_id = ${workspaceId} and id = any(${opportunityIds}::int[]) and primary_lead_id is not null
    union
    select lead_id from opportunity_contacts
    where workspace_id = ${workspaceId} and opportunity_id = any(${opportunityIds}::int[])
    union
    select unnest(lead_ids) from attribution_opportunity_snapshots
    where workspace_id = ${workspaceId} and opportunity_id = any(${opportunityIds}::int[])`.execute(db);
  return result.rows.map((row) => row.id);
}

export async function findOpportunityIdsOfLeads(
  db: Kysely<DB>,
  workspaceId: number,
  leadIds: number[],
): Promise<number[]> {
  if (leadIds.length === 0) return [];
  const result = await sql<{ id: number }>`
    select id from opportunities
    where workspace_id = ${workspaceId} and primary_lead_id = any(${leadIds}::int[])
    union
    select opportunity_id from opportunity_contacts
    where workspace_id = ${workspaceId} and lead_id = any(${leadIds}::int[])`.execute(db);
  return result.rows.map((row) => row.id);
}

export async function deleteLeadSnapshots(
  db: Kysely<DB>,
  workspaceId: number,
  leadIds: number[],
): Promise<LeadSnapshotRow[]> {
  if (leadIds.length === 0) return [];
  return db
    .deleteFrom('attribution_lead_snapshots')
    .where('workspace_id', '=', workspaceId)
    .where('lead_id', '=', sql<number>`any(${leadIds}::int[])`)
    .returningAll()
    .execute();
}

export async function deleteOpportunitySnapshots(
  db: Kysely<DB>,
  workspaceId: number,
  opportunityIds: number[],
): Promise<OpportunitySnapshotRow[]> {
  if (opportunityIds.length === 0) return [];
  return db
    .deleteFrom('attribution_opportunity_snapshots')
    .where('workspace_id', '=', workspaceId)
    .where('opportunity_id', '=', sql<number>`any(${opportunityIds}::int[])`)
    .returningAll()
    .execute();
}

/** A touch's channel: its own, else its campaign's, else NO_STATE. */
const touchChannel = sql`coalesce(nullif(btrim(t.channel), ''), c.channel, ${NO_STATE})`;
const touchCampaign = sql`coalesce(t.campaign_id::text, ${NO_STATE})`;
const touchContent = sql`case when t.type = 'content_download' then coalesce(
  t.content_id::text,
  nullif(btrim(t.metadata->>'content_id'), ''),
  nullif(btrim(t.metadata->>'asset'), ''),
  nullif(btrim(t.metadata->>'title'), ''),
  nullif(btrim(t.metadata->>'name'), ''),
  nullif(btrim(t.utm_content), ''),
  '(unnamed)') else '' end`;

/**
 * Computes and stores the snapshots of these leads from the live tables (leads that no
 * longer exist get none). Sourcing: the campaign is the lead's first_campaign_id, else the
 * campaign of its earliest touch with one; the channel is that of its earliest touch with
 * a channel, else its first campaign's, else the lead's source, else NO_STATE.
 */
export async function insertLeadSnapshots(
  db: Kysely<DB>,
  workspaceId: number,
  leadIds: number[],
): Promise<LeadSnapshotRow[]> {
  if (leadIds.length === 0) return [];
  const result = await sql<LeadSnapshotRow>`
    insert into attribution_lead_snapshots (
      lead_id, workspace_id, created_at, mql_at, sql_at, sourcing_campaign_id, sourcing_channel,
      in_opportunity, in_won_opportunity, source, first_won_at, channel_path, campaign_path)
    select l.id, l.workspace_id, l.created_at, l.mql_at, l.sql_at,
      coalesce(l.first_campaign_id, p.first_campaign_id),
      coalesce(p.first_channel, fc.channel, nullif(btrim(l.source), ''), ${NO_STATE}),
      coalesce(m.in_opportunity, false), coalesce(m.in_won_opportunity, false),
      nullif(btrim(l.source), ''), m.first_won_at,
      coalesce(p.channel_path, '{}'), coalesce(p.campaign_path, '{}')
    from leads l
    left join campaigns fc on fc.id = l.first_campaign_id
    left join lateral (
      select
        array_agg(${touchChannel} order by t.occurred_at, t.id) as channel_path,
        array_agg(${touchCampaign} order by t.occurred_at, t.id) as campaign_path,
        (array_agg(t.campaign_id order by t.occurred_at, t.id) filter (where t.campaign_id is not null))[1]
          as first_campaign_id,
        (array_agg(coalesce(nullif(btrim(t.channel), ''), c.channel) order by t.occurred_at, t.id)
          filter (where coalesce(nullif(btrim(t.channel), ''), c.channel) is not null))[1] as first_channel
      from touchpoints t
      left join campaigns c on c.id = t.campaign_id
      where t.workspace_id = l.workspace_id and t.lead_id = l.id
    ) p on true
    left join lateral (
      select true as in_opportunity, bool_or(o.status = 'won') as in_won_opportunity,
        min(o.closed_at) filter (where o.status = 'won') as first_won_at
      from opportunities o
      where o.id in (
        select o2.id from opportunities o2 where o2.workspace_id = l.workspace_id and o2.primary_lead_id = l.id
        union
        select oc.opportunity_id from opportunity_contacts oc where oc.workspace_id = l.workspace_id and oc.lead_id = l.id)
      having count(*) > 0
    ) m on true
    where l.workspace_id = ${workspaceId} and l.id = any(${leadIds}::int[])
    returning *`.execute(db);
  return result.rows;
}

/**
 * Computes and stores the snapshots of these opportunities: the touches of all their leads
 * (primary lead and contacts) up to the close (open deals: up to the creation), in time
 * order, and how many of them came at or before the lead creation (the earliest
 * coalesce(lead_at, created_at) of its leads), the opportunity creation and the close.
 * Sourcing comes from the primary lead's snapshot (else the earliest-created contact's),
 * so lead snapshots are refreshed first.
 */
export async function insertOpportunitySnapshots(
  db: Kysely<DB>,
  workspaceId: number,
  opportunityIds: number[],
): Promise<OpportunitySnapshotRow[]> {
  if (opportunityIds.length === 0) return [];
  const result = await sql<OpportunitySnapshotRow>`
    with opps as (
      select o.id, o.workspace_id, o.status, o.created_at, o.closed_at, o.amount, o.primary_lead_id,
        greatest(o.created_at, coalesce(o.closed_at, o.created_at)) as horizon
      from opportunities o
      where o.workspace_id = ${workspaceId} and o.id = any(${opportunityIds}::int[])
    ),
    members as (
      select o.id as opportunity_id, o.primary_lead_id as lead_id from opps o where o.primary_lead_id is not null
      union
      select oc.opportunity_id, oc.lead_id from opportunity_contacts oc
      where oc.workspace_id = ${workspaceId} and oc.opportunity_id = any(${opportunityIds}::int[])
    ),
    member_info as (
      select m.opportunity_id, array_agg(m.lead_id order by m.lead_id) as lead_ids,
        min(coalesce(l.lead_at, l.created_at)) as lead_moment
      from members m join leads l on l.id = m.lead_id
      group by m.opportunity_id
    ),
    touches as (
      select m.opportunity_id, t.id, t.occurred_at, t.type, ${touchChannel} as channel,
        ${touchCampaign} as campaign, t.campaign_id, ${touchContent} as content
      from members m
      join opps o on o.id = m.opportunity_id
      cross join lateral (
        select * from touchpoints t
        where t.workspace_id = ${workspaceId} and t.lead_id = m.lead_id and t.occurred_at <= o.horizon
        offset 0
      ) t
      left join campaigns c on c.id = t.campaign_id
    ),
    journeys as (
      select t.opportunity_id,
        array_agg(t.channel order by t.occurred_at, t.id) as channel_path,
        array_agg(t.campaign order by t.occurred_at, t.id) as campaign_path,
        array_agg(t.type order by t.occurred_at, t.id) as type_path,
        array_agg(t.content order by t.occurred_at, t.id) as content_path,
        array_agg((extract(epoch from t.occurred_at) * 1000)::float8 order by t.occurred_at, t.id) as time_path,
        count(*) filter (where t.occurred_at <= mi.lead_moment)::int as touches_at_lead_creation,
        count(*) filter (where t.occurred_at <= o.created_at)::int as touches_at_creation,
        count(*) filter (where t.occurred_at <= o.closed_at)::int as touches_at_close,
        array_agg(distinct t.campaign_id) filter (where t.occurred_at <= o.created_at and t.campaign_id is not null)
          as influencing_campaign_ids
      from touches t
      join opps o on o.id = t.opportunity_id
      left join member_info mi on mi.opportunity_id = t.opportunity_id
      group by t.opportunity_id
    ),
    sourcing as (
      select distinct on (m.opportunity_id) m.opportunity_id, s.sourcing_campaign_id, s.sourcing_channel
      from members m
      join opps o on o.id = m.opportunity_id
      join leads l on l.id = m.lead_id
      left join attribution_lead_snapshots s on s.lead_id = m.lead_id
      order by m.opportunity_id, (m.lead_id = o.primary_lead_id) desc, l.created_at, l.id
    )
    insert into attribution_opportunity_snapshots (
      opportunity_id, workspace_id, status, created_at, closed_at, amount, lead_ids,
      sourcing_campaign_id, sourcing_channel, channel_path, campaign_path, type_path, content_path,
      time_path, touches_at_lead_creation, touches_at_creation, touches_at_close, influencing_campaign_ids)
    select o.id, o.workspace_id, o.status, o.created_at, o.closed_at, coalesce(o.amount, 0),
      coalesce(mi.lead_ids, '{}'), src.sourcing_campaign_id, coalesce(src.sourcing_channel, ${NO_STATE}),
      coalesce(j.channel_path, '{}'), coalesce(j.campaign_path, '{}'), coalesce(j.type_path, '{}'),
      coalesce(j.content_path, '{}'), coalesce(j.time_path, '{}'),
      coalesce(j.touches_at_lead_creation, 0), coalesce(j.touches_at_creation, 0),
      case when o.closed_at is null then null else coalesce(j.touches_at_close, 0) end,
      coalesce(j.influencing_campaign_ids, '{}')
    from opps o
    left join member_info mi on mi.opportunity_id = o.id
    left join journeys j on j.opportunity_id = o.id
    left join sourcing src on src.opportunity_id = o.id
    returning *`.execute(db);
  return result.rows;
}

/**
 * Adds deltas to the rollup rows and drops the rows that reach zero. After a clear
 * (`empty`), the rows are new and are simply inserted.
 */
export async function applyRollupDeltas(
  db: Kysely<DB>,
  workspaceId: number,
  deltas: readonly RollupDelta[],
  empty: boolean,
): Promise<void> {
  const chunkSize = 20_000;
  for (let start = 0; start < deltas.length; start += chunkSize) {
    const chunk = deltas.slice(start, start + chunkSize);
    const source = unnestSource(chunk, [
      { name: 'kind', type: 'text', value: (row) => row.kind },
      { name: 'dimension', type: 'text', value: (row) => row.dimension },
      { name: 'variant', type: 'text', value: (row) => row.variant },
      { name: 'month', type: 'date', value: (row) => row.month },
      { name: 'key', type: 'text', value: (row) => row.key },
      { name: 'deals', type: 'numeric', value: (row) => formatUnits(row.deals, DEAL_SCALE) },
      { name: 'amount', type: 'numeric', value: (row) => formatUnits(row.amount, AMOUNT_SCALE) },
    ]);
    if (empty) {
      await sql`
        insert into attribution_rollup (workspace_id, kind, dimension, variant, month, key, deals, amount)
        select ${workspaceId}, d.kind, d.dimension, d.variant, d.month, d.key, d.deals, d.amount
        from ${source} as d(kind, dimension, variant, month, key, deals, amount)`.execute(db);
      continue;
    }
    const zeroed = await sql<{
      kind: string;
      dimension: string;
      variant: string;
      month: string;
      key: string;
    }>`
      with changed as (
        insert into attribution_rollup as r (workspace_id, kind, dimension, variant, month, key, deals, amount)
        select ${workspaceId}, d.kind, d.dimension, d.variant, d.month, d.key, d.deals, d.amount
        from ${source} as d(kind, dimension, variant, month, key, deals, amount)
        on conflict (workspace_id, kind, dimension, variant, key, month)
        do update set deals = r.deals + excluded.deals, amount = r.amount + excluded.amount
        returning r.kind, r.dimension, r.variant, r.month, r.key, r.deals, r.amount
      )
      select kind, dimension, variant, to_char(month, 'YYYY-MM-DD') as month, key
      from changed where deals = 0 and amount = 0`.execute(db);
    if (zeroed.rows.length === 0) continue;
    const keys = unnestSource(zeroed.rows, [
      { name: 'kind', type: 'text', value: (row) => row.kind },
      { name: 'dimension', type: 'text', value: (row) => row.dimension },
      { name: 'variant', type: 'text', value: (row) => row.variant },
      { name: 'month', type: 'date', value: (row) => row.month },
      { name: 'key', type: 'text', value: (row) => row.key },
    ]);
    await sql`
      delete from attribution_rollup r
      using ${keys} as d(kind, dimension, variant, month, key)
      where r.workspace_id = ${workspaceId} and r.kind = d.kind and r.dimension = d.dimension
        and r.variant = d.variant and r.month = d.month and r.key = d.key
        and r.deals = 0 and r.amount = 0`.execute(db);
  }
}

export interface RollupSumRow {
  kind: string;
  variant: string;
  key: string;
  deals: number;
  amount: number;
}

export interface RollupQuery {
  kinds: readonly string[];
  dimension: string;
  variants?: readonly string[] | undefined;
  keys?: readonly string[] | undefined;
  /** Whole months [from, to) as 'YYYY-MM-01'; null bounds are open (both null: the all-time rows). */
  months: { from: string | null; to: string | null };
}

/** Sums rollup rows over whole months, per kind, variant and key. */
export async function sumRollup(
  db: Kysely<DB>,
  workspaceId: number,
  query: RollupQuery,
): Promise<RollupSumRow[]> {
  let select = db
    .selectFrom('attribution_rollup')
    .select([
      'kind',
      'variant',
      'key',
      sql<number>`sum(deals)`.as('deals'),
      sql<number>`sum(amount)`.as('amount'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('kind', 'in', [...query.kinds])
    .where('dimension', '=', query.dimension);
  if (query.variants) select = select.where('variant', 'in', [...query.variants]);
  if (query.keys) select = select.where('key', 'in', [...query.keys]);
  if (query.months.from === null && query.months.to === null) {
    select = select.where('month', '=', ALL_TIME);
  } else {
    select = select.where('month', '>', ALL_TIME);
    if (query.months.from) select = select.where('month', '>=', query.months.from);
    if (query.months.to) select = select.where('month', '<', query.months.to);
  }
  return select.groupBy(['kind', 'variant', 'key']).execute();
}

export interface MarkovMoveRow {
  source: string;
  target: string;
  won: number;
  won_null: number;
  pipeline: number;
  pipeline_null: number;
}

/**
 * Markov moves over whole months, one row per move with the count of each chain: moves of
 * won-deal journeys, of leads in no won deal, of opportunity journeys and of leads in no
 * opportunity. '' is the start (source) or the end (target).
 */
export async function sumMarkovMoves(
  db: Kysely<DB>,
  workspaceId: number,
  dimension: string,
  months: { from: string | null; to: string | null },
): Promise<MarkovMoveRow[]> {
  const monthFilter =
    months.from === null && months.to === null
      ? sql`month = ${ALL_TIME}`
      : sql.join(
          [
            sql`month > ${ALL_TIME}`,
            ...(months.from ? [sql`month >= ${months.from}`] : []),
            ...(months.to ? [sql`month < ${months.to}`] : []),
          ],
          sql` and `,
        );
  const result = await sql<MarkovMoveRow>`
    select split_part(key, chr(31), 1) as source, split_part(key, chr(31), 2) as target,
      coalesce(sum(deals) filter (where variant = 'won'), 0)::float8 as won,
      coalesce(sum(deals) filter (where variant in ('lead_none', 'lead_open')), 0)::float8 as won_null,
      coalesce(sum(deals) filter (where variant = 'pipeline'), 0)::float8 as pipeline,
      coalesce(sum(deals) filter (where variant = 'lead_none'), 0)::float8 as pipeline_null
    from attribution_rollup
    where workspace_id = ${workspaceId} and kind = 'transition' and dimension = ${dimension}
      and variant in ('won', 'pipeline', 'lead_none', 'lead_open') and ${monthFilter}
    group by key`.execute(db);
  return result.rows;
}

/** Sums rollup rows per month (a time series), per kind, variant and key. */
export async function sumRollupByMonthAndKey(
  db: Kysely<DB>,
  workspaceId: number,
  query: RollupQuery,
): Promise<(RollupSumRow & { month: string })[]> {
  let select = db
    .selectFrom('attribution_rollup')
    .select([
      sql<string>`to_char(month, 'YYYY-MM-DD')`.as('month'),
      'kind',
      'variant',
      'key',
      sql<number>`sum(deals)`.as('deals'),
      sql<number>`sum(amount)`.as('amount'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('kind', 'in', [...query.kinds])
    .where('dimension', '=', query.dimension);
  if (query.variants) select = select.where('variant', 'in', [...query.variants]);
  if (query.keys) select = select.where('key', 'in', [...query.keys]);
  select = select.where('month', '>', ALL_TIME);
  if (query.months.from) select = select.where('month', '>=', query.months.from);
  if (query.months.to) select = select.where('month', '<', query.months.to);
  return select.groupBy(['month', 'kind', 'variant', 'key']).orderBy('month').execute();
}

export interface Range {
  from: number;
  to: number;
}

/** Lead snapshots with a creation, MQL or SQL moment inside one of the ranges. */
export async function findLeadSnapshotsInRanges(
  db: Kysely<DB>,
  workspaceId: number,
  ranges: readonly Range[],
): Promise<LeadSnapshotRow[]> {
  if (ranges.length === 0) return [];
  return db
    .selectFrom('attribution_lead_snapshots')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where((eb) =>
      eb.or(
        ranges.flatMap((range) =>
          (['created_at', 'mql_at', 'sql_at'] as const).map((column) =>
            eb.and([eb(column, '>=', new Date(range.from)), eb(column, '<', new Date(range.to))]),
          ),
        ),
      ),
    )
    .execute();
}

/** Opportunity snapshots created or closed inside one of the ranges. */
export async function findOpportunitySnapshotsInRanges(
  db: Kysely<DB>,
  workspaceId: number,
  ranges: readonly Range[],
): Promise<OpportunitySnapshotRow[]> {
  if (ranges.length === 0) return [];
  return db
    .selectFrom('attribution_opportunity_snapshots')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where((eb) =>
      eb.or(
        ranges.flatMap((range) =>
          (['created_at', 'closed_at'] as const).map((column) =>
            eb.and([eb(column, '>=', new Date(range.from)), eb(column, '<', new Date(range.to))]),
          ),
        ),
      ),
    )
    .execute();
}
