import type { Kysely } from 'kysely';
import { executeScript } from '../script.ts';

// Indexes for the funnel and planner reports.
// - leads_workspace_latest_stamp: a lead's latest stamp (the key; greatest() skips nulls) with
//   every column the funnel (period view, all dimensions but segment) and the planner's stage
//   history read. A window's leads have a stamp in it, so their latest stamp is at or after
//   its start (funnel.repository's latestStampFrom adds that condition): a recent window is
//   one range of this index, read without visiting the table. Before, a bitmap OR over the
//   stamps' partial indexes read 17,000 of the table's 19,500 pages for one quarter of the
//   demo company of profile m (about 100 ms), and the planner's year of history scanned it all.
//   The key's column order must match latestStampFrom.
// - lifecycle_events_handoff_rejections: handoffs rejected by sales (mql or sal -> recycled or
//   disqualified) by time, with the lead: the funnel's rejections come from the index alone
//   instead of a bitmap scan of every recycling and disqualification since the view's first MQL.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await executeScript(
    db,
    `
create index leads_workspace_latest_stamp on leads (workspace_id,
  greatest(lead_at, mql_at, sal_at, sql_at, opportunity_at, customer_at, recycled_at, disqualified_at))
  include (id, stage, created_at, lead_at, mql_at, sal_at, sql_at, opportunity_at, customer_at, recycled_at,
    disqualified_at, first_campaign_id, owner_id, source);

create index lifecycle_events_handoff_rejections on lifecycle_events (workspace_id, occurred_at) include (lead_id)
  where from_stage in ('mql', 'sal') and to_stage in ('recycled', 'disqualified');
`,
  );
}
