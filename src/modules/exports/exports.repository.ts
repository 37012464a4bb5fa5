import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';

/**
 * Reads a resource in the native import format's columns (docs/IMPORT.md): references come
 * out as the keys an import resolves (external ids, emails, names), never as database ids,
 * so an export re-imports into any workspace. Keyset pages by id keep a million rows out of
 * memory and cost the same at any depth.
 */

export type ExportRow = Record<string, unknown>;

const SELECTS = {
  users: (workspaceId: number) => sql`
    select x.id as _id, x.external_id, x.email, x.name, x.role, x.status, t.name as team,
      m.email as manager_email, m.external_id as manager_external_id, null as manager_name,
      x.capacity, x.created_at
    from users x
    left join teams t on t.id = x.team_id
    left join users m on m.id = x.manager_id
    where x.workspace_id = ${workspaceId}`,
  teams: (workspaceId: number) => sql`
    select x.id as _id, x.name, m.email as manager_email, m.external_id as manager_external_id, null as manager_name
    from teams x
    left join users m on m.id = x.manager_id
    where x.workspace_id = ${workspaceId}`,
  accounts: (workspaceId: number) => sql`
    select x.id as _id, x.external_id, x.name, x.domain, x.industry, x.employees, x.annual_revenue, x.country, x.region,
      o.email as owner_email, o.external_id as owner_external_id, null as owner_name,
      p.external_id as parent_account_external_id,
      case when p.external_id is null then p.name end as parent_account_name,
      x.created_at, x.custom_fields
    from accounts x
    left join users o on o.id = x.owner_id
    left join accounts p on p.id = x.parent_account_id
    where x.workspace_id = ${workspaceId}`,
  products: (workspaceId: number) => sql`
    select x.id as _id, x.external_id, x.name, x.series, x.price
    from products x
    where x.workspace_id = ${workspaceId}`,
  campaigns: (workspaceId: number) => sql`
    select x.id as _id, x.external_id, x.name, x.channel, x.type, x.status, x.cost, x.budget, x.start_date, x.end_date,
      o.email as owner_email, o.external_id as owner_external_id, null as owner_name,
      p.external_id as parent_campaign_external_id,
      case when p.external_id is null then p.name end as parent_campaign_name,
      x.created_at
    from campaigns x
    left join users o on o.id = x.owner_id
    left join campaigns p on p.id = x.parent_id
    where x.workspace_id = ${workspaceId}`,
  leads: (workspaceId: number) => sql`
    select x.id as _id, x.external_id, x.email, x.first_name, x.last_name, x.title, x.phone, x.company,
      a.external_id as account_external_id, case when a.external_id is null then a.name end as account_name,
      x.country, x.region, x.industry, x.employees, x.source, x.source_detail,
      x.first_utm_source, x.first_utm_medium, x.first_utm_campaign, x.first_utm_term, x.first_utm_content,
      x.last_utm_source, x.last_utm_medium, x.last_utm_campaign, x.last_utm_term, x.last_utm_content,
      c.external_id as first_campaign_external_id, case when c.external_id is null then c.name end as first_campaign_name,
      x.stage, x.lead_status, x.temperature,
      o.email as owner_email, o.external_id as owner_external_id, null as owner_name,
      x.fit_score, x.engagement_score, x.created_at,
      x.subscriber_at, x.lead_at, x.mql_at, x.sal_at, x.sql_at, x.opportunity_at, x.customer_at, x.recycled_at,
      x.disqualified_at, x.custom_fields
    from leads x
    left join accounts a on a.id = x.account_id
    left join campaigns c on c.id = x.first_campaign_id
    left join users o on o.id = x.owner_id
    where x.workspace_id = ${workspaceId}`,
  opportunities: (workspaceId: number) => sql`
    select x.id as _id, x.external_id, x.name,
      a.external_id as account_external_id, case when a.external_id is null then a.name end as account_name,
      l.external_id as lead_external_id, case when l.external_id is null then l.email end as email,
      (select string_agg(cl.external_id, ';' order by cl.id) from opportunity_contacts oc
        join leads cl on cl.id = oc.lead_id
        where oc.opportunity_id = x.id and cl.external_id is not null) as contact_external_ids,
      (select string_agg(cl.email, ';' order by cl.id) from opportunity_contacts oc
        join leads cl on cl.id = oc.lead_id
        where oc.opportunity_id = x.id and cl.external_id is null and cl.email is not null) as contact_emails,
      o.email as owner_email, o.external_id as owner_external_id, null as owner_name,
      q.email as qualifier_email, q.external_id as qualifier_external_id, null as qualifier_name,
      p.external_id as product_external_id, case when p.external_id is null then p.name end as product,
      x.amount, x.currency, x.stage, x.status, x.created_at, x.close_date, x.closed_at, x.reason, x.competitor,
      x.source, x.segment, x.custom_fields
    from opportunities x
    left join accounts a on a.id = x.account_id
    left join leads l on l.id = x.primary_lead_id
    left join users o on o.id = x.owner_id
    left join users q on q.id = x.qualifier_id
    left join products p on p.id = x.product_id
    where x.workspace_id = ${workspaceId}`,
  touchpoints: (workspaceId: number) => sql`
    select x.id as _id, x.external_id, l.external_id as lead_external_id,
      case when l.external_id is null then l.email end as email,
      x.type, x.occurred_at, x.channel,
      c.external_id as campaign_external_id, case when c.external_id is null then c.name end as campaign,
      x.utm_source, x.utm_medium, x.utm_campaign, x.utm_term, x.utm_content, x.content_id, x.metadata
    from touchpoints x
    join leads l on l.id = x.lead_id
    left join campaigns c on c.id = x.campaign_id
    where x.workspace_id = ${workspaceId}`,
  activities: (workspaceId: number) => sql`
    select x.id as _id, x.external_id, l.external_id as lead_external_id,
      case when l.external_id is null then l.email end as email,
      op.external_id as opportunity_external_id, x.type, x.outcome, x.notes, x.occurred_at,
      u.email as actor_email, u.external_id as actor_external_id, null as actor_name
    from activities x
    left join leads l on l.id = x.lead_id
    left join opportunities op on op.id = x.opportunity_id
    left join users u on u.id = x.actor_id
    where x.workspace_id = ${workspaceId}`,
} satisfies Record<string, (workspaceId: number) => RawBuilder<unknown>>;

export type ExportResource = keyof typeof SELECTS;

/** One page of a resource after the row with id `afterId`, in id order. */
export async function findExportPage(
  db: Kysely<DB>,
  resource: ExportResource,
  workspaceId: number,
  afterId: number,
  limit: number,
): Promise<ExportRow[]> {
  const result = await sql<ExportRow>`
    ${SELECTS[resource](workspaceId)} and x.id > ${afterId}
    order by x.id
    limit ${limit}`.execute(db);
  return result.rows;
}
