import { type Kysely, type Selectable, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { CampaignsTable } from '../../db/tables/foundation.ts';
import { NO_STATE } from '../attribution/journeys.ts';
import { inPeriod } from '../attribution/period-sql.ts';

export type CampaignRow = Pick<
  Selectable<CampaignsTable>,
  | 'id'
  | 'name'
  | 'channel'
  | 'type'
  | 'status'
  | 'cost'
  | 'budget'
  | 'start_date'
  | 'end_date'
  | 'created_at'
  | 'owner_id'
  | 'parent_id'
>;

export async function findCampaigns(
  db: Kysely<DB>,
  workspaceId: number,
  filters: { channel?: string | undefined; status?: string | undefined; id?: number | undefined },
): Promise<CampaignRow[]> {
  let query = db
    .selectFrom('campaigns')
    .select([
      'id',
      'name',
      'channel',
      'type',
      'status',
      'cost',
      'budget',
      sql<string | null>`to_char(start_date, 'YYYY-MM-DD')`.as('start_date'),
      sql<string | null>`to_char(end_date, 'YYYY-MM-DD')`.as('end_date'),
      'created_at',
      'owner_id',
      'parent_id',
    ])
    .where('workspace_id', '=', workspaceId);
  if (filters.channel !== undefined) query = query.where('channel', '=', filters.channel);
  if (filters.status !== undefined) query = query.where('status', '=', filters.status as 'active');
  if (filters.id !== undefined) query = query.where('id', '=', filters.id);
  return query.orderBy('id').execute();
}

export interface MarketingSplitRow {
  opportunities: number;
  marketing_opportunities: number;
  pipeline: number;
  marketing_pipeline: number;
  won_deals: number;
  marketing_won_deals: number;
  bookings: number;
  marketing_bookings: number;
}

/**
 * Opportunities created (pipeline) and deals won (bookings) in the period, and how much of
 * each is marketing-sourced: the deal's source, else its primary lead's sourcing channel,
 * normalised (lower case, runs of spaces, _ and - as one space), is set and not one of
 * `nonMarketing`.
 */
export async function findMarketingSplit(
  db: Kysely<DB>,
  workspaceId: number,
  period: { from: Date | null; to: Date | null },
  nonMarketing: readonly string[],
): Promise<MarketingSplitRow> {
  const createdIn = inPeriod(sql`o.created_at`, period);
  const wonIn = sql`o.status = 'won' and ${inPeriod(sql`o.closed_at`, period)}`;
  const result = await sql<MarketingSplitRow>`
    with deals as (
      select o.status, coalesce(o.amount, 0) as amount,
        coalesce(${createdIn}, false) as created_in,
        coalesce(${wonIn}, false) as won_in,
        coalesce(nullif(btrim(o.source), ''), nullif(s.sourcing_channel, ${NO_STATE})) as source
      from opportunities o
      left join attribution_opportunity_snapshots s on s.opportunity_id = o.id
      where o.workspace_id = ${workspaceId} and ((${createdIn}) or (${wonIn}))
    ),
    classified as (
      select *, source is not null
        and lower(regexp_replace(btrim(source), '[[:space:]_-]+', ' ', 'g')) <> all(${[...nonMarketing]}::text[])
        as marketing
      from deals
    )
    select
      count(*) filter (where created_in)::int as opportunities,
      count(*) filter (where created_in and marketing)::int as marketing_opportunities,
      coalesce(sum(amount) filter (where created_in), 0) as pipeline,
      coalesce(sum(amount) filter (where created_in and marketing), 0) as marketing_pipeline,
      count(*) filter (where won_in)::int as won_deals,
      count(*) filter (where won_in and marketing)::int as marketing_won_deals,
      coalesce(sum(amount) filter (where won_in), 0) as bookings,
      coalesce(sum(amount) filter (where won_in and marketing), 0) as marketing_bookings
    from classified`.execute(db);
  return result.rows[0] as MarketingSplitRow;
}

export interface CampaignDrilldownIds {
  sourced_leads: number[];
  sourced_opportunities: number[];
  sourced_won: number[];
  influenced_opportunities: number[];
  influenced_won: number[];
}

/**
 * The records behind one campaign's figures, in the period (ids, up to `limit` of each):
 * leads it sourced (created in the period), opportunities it sourced or influenced
 * (created in the period) and deals won in the period among those.
 */
export async function findCampaignDrilldown(
  db: Kysely<DB>,
  workspaceId: number,
  campaignId: number,
  period: { from: Date | null; to: Date | null },
  limit: number,
): Promise<CampaignDrilldownIds & { counts: Record<keyof CampaignDrilldownIds, number> }> {
  const leads = await sql<{ ids: number[] | null; count: number }>`
    select (array_agg(lead_id order by lead_id))[1:${limit}] as ids, count(*)::int as count
    from attribution_lead_snapshots
    where workspace_id = ${workspaceId} and sourcing_campaign_id = ${campaignId}
      and ${inPeriod(sql`created_at`, period)}`.execute(db);
  const deals = await sql<{
    kind: keyof CampaignDrilldownIds;
    ids: number[] | null;
    count: number;
  }>`
    with deals as (
      select opportunity_id, status,
        coalesce(${inPeriod(sql`created_at`, period)}, false) as created_in,
        coalesce(status = 'won' and ${inPeriod(sql`closed_at`, period)}, false) as won_in,
        sourcing_campaign_id = ${campaignId} as sourced,
        ${campaignId}::int = any(influencing_campaign_ids) as influenced
      from attribution_opportunity_snapshots
      where workspace_id = ${workspaceId}
        and (sourcing_campaign_id = ${campaignId} or influencing_campaign_ids @> array[${campaignId}::int])
    ),
    kinds as (
      select 'sourced_opportunities' as kind, opportunity_id from deals where sourced and created_in
      union all select 'sourced_won', opportunity_id from deals where sourced and won_in
      union all select 'influenced_opportunities', opportunity_id from deals where influenced and created_in
      union all select 'influenced_won', opportunity_id from deals where influenced and won_in
    )
    select kind, (array_agg(opportunity_id order by opportunity_id))[1:${limit}] as ids, count(*)::int as count
    from kinds group by kind`.execute(db);
  const result = {
    sourced_leads: leads.rows[0]?.ids ?? [],
    sourced_opportunities: [] as number[],
    sourced_won: [] as number[],
    influenced_opportunities: [] as number[],
    influenced_won: [] as number[],
    counts: {
      sourced_leads: leads.rows[0]?.count ?? 0,
      sourced_opportunities: 0,
      sourced_won: 0,
      influenced_opportunities: 0,
      influenced_won: 0,
    },
  };
  for (const row of deals.rows) {
    result[row.kind] = row.ids ?? [];
    result.counts[row.kind] = row.count;
  }
  return result;
}
