import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Defaulted<T> = ColumnType<T, T | undefined, T>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type JsonOf<T extends object | null> = JSONColumnType<T, string | undefined, string>;

export type ScoringJobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'superseded';
export type RoutingRuleKind = 'match' | 'account_owner';

export interface ScoringModelsTable {
  workspace_id: number;
  version: number;
  definition: JsonOf<object>;
  created_by: number | null;
  created_at: Timestamp;
}

export interface ScoringJobsTable {
  id: Generated<number>;
  workspace_id: number;
  model_version: number;
  status: Defaulted<ScoringJobStatus>;
  total: Defaulted<number>;
  processed: Defaulted<number>;
  changed: Defaulted<number>;
  handed_off: Defaulted<number>;
  needs_qualification: Defaulted<number>;
  last_lead_id: Defaulted<number>;
  attempts: Defaulted<number>;
  error: string | null;
  created_by: number | null;
  created_at: Timestamp;
  started_at: NullableTimestamp;
  heartbeat_at: NullableTimestamp;
  finished_at: NullableTimestamp;
}

export interface ScoringDecayRunsTable {
  workspace_id: number;
  last_run_at: Timestamp;
}

export interface QualificationSettingsTable {
  workspace_id: number;
  fields: JsonOf<string[]>;
  updated_by: number | null;
  updated_at: Timestamp;
}

export interface QualificationQueueTable {
  workspace_id: number;
  lead_id: number;
  entered_at: Timestamp;
  missing_fields: JsonOf<string[]>;
}

export interface RoutingRulesTable {
  id: Generated<number>;
  workspace_id: number;
  position: number;
  name: string;
  kind: RoutingRuleKind;
  conditions: JsonOf<unknown[]>;
  team_id: number | null;
  user_id: number | null;
  weights: JsonOf<Record<string, number>>;
  active: Defaulted<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RoutingCursorsTable {
  workspace_id: number;
  team_id: number;
  position: Defaulted<number>;
}

export interface LeadAssignmentsTable {
  id: Generated<number>;
  workspace_id: number;
  lead_id: number;
  user_id: number | null;
  previous_owner_id: number | null;
  rule_id: number | null;
  rule_name: string | null;
  team_id: number | null;
  reason: string;
  assigned_at: Timestamp;
  created_at: Timestamp;
}

export interface WebFormsTable {
  id: Generated<number>;
  workspace_id: number;
  key: string;
  name: string;
  campaign_id: number | null;
  field_mapping: JsonOf<Record<string, string>>;
  redirect_url: string | null;
  honeypot_field: Defaulted<string>;
  source: string | null;
  active: Defaulted<boolean>;
  created_by: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface HandoffScoringTables {
  scoring_models: ScoringModelsTable;
  scoring_jobs: ScoringJobsTable;
  scoring_decay_runs: ScoringDecayRunsTable;
  qualification_settings: QualificationSettingsTable;
  qualification_queue: QualificationQueueTable;
  routing_rules: RoutingRulesTable;
  routing_cursors: RoutingCursorsTable;
  lead_assignments: LeadAssignmentsTable;
  web_forms: WebFormsTable;
}
