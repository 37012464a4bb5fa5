import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** Leads, opportunities and campaigns whose journey rollups are out of date (filled by triggers). */
export interface AttributionQueueTable {
  workspace_id: number;
  lead_id: number | null;
  opportunity_id: number | null;
  campaign_id: number | null;
}

/** Which version of the contribution rules a workspace's rollups were built with. */
export interface AttributionRollupStateTable {
  workspace_id: number;
  version: number;
  refreshed_at: Timestamp;
}

/** What a lead contributes to the rollups, as of its last refresh. */
export interface AttributionLeadSnapshotsTable {
  workspace_id: number;
  lead_id: number;
  created_at: Timestamp;
  mql_at: NullableTimestamp;
  sql_at: NullableTimestamp;
  sourcing_campaign_id: number | null;
  sourcing_channel: string;
  in_opportunity: boolean;
  in_won_opportunity: boolean;
  source: string | null;
  first_won_at: NullableTimestamp;
  channel_path: string[];
  campaign_path: string[];
}

/** What an opportunity contributes to the rollups, as of its last refresh. */
export interface AttributionOpportunitySnapshotsTable {
  workspace_id: number;
  opportunity_id: number;
  status: 'open' | 'won' | 'lost';
  created_at: Timestamp;
  closed_at: NullableTimestamp;
  amount: number;
  lead_ids: number[];
  sourcing_campaign_id: number | null;
  sourcing_channel: string;
  channel_path: string[];
  campaign_path: string[];
  type_path: string[];
  content_path: string[];
  time_path: number[];
  touches_at_lead_creation: number;
  touches_at_creation: number;
  touches_at_close: number | null;
  influencing_campaign_ids: number[];
}

/** Contributions added up per UTC month (see src/modules/attribution/journeys.ts). */
export interface AttributionRollupTable {
  workspace_id: number;
  kind: string;
  dimension: string;
  variant: string;
  /** 'YYYY-MM-01'. */
  month: string;
  key: string;
  deals: number;
  amount: number;
}

export interface AttributionTables {
  attribution_queue: AttributionQueueTable;
  attribution_rollup_state: AttributionRollupStateTable;
  attribution_lead_snapshots: AttributionLeadSnapshotsTable;
  attribution_opportunity_snapshots: AttributionOpportunitySnapshotsTable;
  attribution_rollup: AttributionRollupTable;
}
