import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/** A column the database fills in on insert but that may be given explicitly. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json = JSONColumnType<Record<string, unknown>, string | undefined, string>;

export type Role = 'admin' | 'marketing' | 'sales' | 'sdr' | 'executive';
export type UserStatus = 'active' | 'away' | 'inactive';
export type LifecycleStage =
  | 'subscriber'
  | 'lead'
  | 'mql'
  | 'sal'
  | 'sql'
  | 'opportunity'
  | 'customer'
  | 'recycled'
  | 'disqualified';
export type Temperature = 'cold' | 'warm' | 'hot';
export type TouchpointType =
  | 'form_fill'
  | 'email_open'
  | 'email_click'
  | 'webinar'
  | 'event'
  | 'ad_click'
  | 'page_view'
  | 'content_download'
  | 'chat';
export type ActivityType = 'call' | 'email' | 'meeting' | 'note';
export type OpportunityStatus = 'open' | 'won' | 'lost';
export type CampaignStatus = 'planned' | 'active' | 'completed' | 'cancelled';
export type EventOrigin = 'api' | 'import' | 'system' | 'form' | 'ingest';

export interface WorkspacesTable {
  id: Generated<number>;
  name: string;
  slug: string;
  settings: Json;
  created_at: Timestamp;
}

export interface TeamsTable {
  id: Generated<number>;
  workspace_id: number;
  name: string;
  manager_id: number | null;
  created_at: Timestamp;
}

export interface UsersTable {
  id: Generated<number>;
  workspace_id: number;
  external_id: string | null;
  email: string;
  name: string;
  role: Role;
  team_id: number | null;
  manager_id: number | null;
  status: Defaulted<UserStatus>;
  capacity: number | null;
  password_hash: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SessionsTable {
  id: Generated<number>;
  workspace_id: number;
  user_id: number;
  token_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface ApiTokensTable {
  id: Generated<number>;
  workspace_id: number;
  user_id: number;
  name: string;
  token_hash: string;
  prefix: string;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface AccountsTable {
  id: Generated<number>;
  workspace_id: number;
  external_id: string | null;
  name: string;
  domain: string | null;
  industry: string | null;
  employees: number | null;
  annual_revenue: number | null;
  country: string | null;
  region: string | null;
  owner_id: number | null;
  parent_account_id: number | null;
  custom_fields: Json;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ProductsTable {
  id: Generated<number>;
  workspace_id: number;
  external_id: string | null;
  name: string;
  series: string | null;
  price: number | null;
  created_at: Timestamp;
}

export interface CampaignsTable {
  id: Generated<number>;
  workspace_id: number;
  external_id: string | null;
  name: string;
  channel: string;
  type: string | null;
  status: Defaulted<CampaignStatus>;
  cost: Defaulted<number>;
  budget: number | null;
  start_date: string | null;
  end_date: string | null;
  owner_id: number | null;
  parent_id: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LeadsTable {
  id: Generated<number>;
  workspace_id: number;
  external_id: string | null;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  title: string | null;
  phone: string | null;
  company: string | null;
  account_id: number | null;
  country: string | null;
  region: string | null;
  industry: string | null;
  employees: number | null;
  source: string | null;
  source_detail: string | null;
  first_utm_source: string | null;
  first_utm_medium: string | null;
  first_utm_campaign: string | null;
  first_utm_term: string | null;
  first_utm_content: string | null;
  last_utm_source: string | null;
  last_utm_medium: string | null;
  last_utm_campaign: string | null;
  last_utm_term: string | null;
  last_utm_content: string | null;
  first_campaign_id: number | null;
  stage: Defaulted<LifecycleStage>;
  lead_status: string | null;
  temperature: Defaulted<Temperature>;
  owner_id: number | null;
  assigned_at: NullableTimestamp;
  fit_score: Defaulted<number>;
  engagement_score: Defaulted<number>;
  score: ColumnType<number, never, never>;
  custom_fields: Json;
  created_at: Timestamp;
  updated_at: Timestamp;
  subscriber_at: NullableTimestamp;
  lead_at: NullableTimestamp;
  mql_at: NullableTimestamp;
  sal_at: NullableTimestamp;
  sql_at: NullableTimestamp;
  opportunity_at: NullableTimestamp;
  customer_at: NullableTimestamp;
  recycled_at: NullableTimestamp;
  disqualified_at: NullableTimestamp;
  /** Kept by triggers (migration 0660): the first call, email or meeting at or after the handoff. */
  first_response_at: ColumnType<Date | null, never, never>;
  /** Kept by triggers (migration 0660): calls, emails and meetings in the 7 days from the handoff. */
  first_week_attempts: ColumnType<number | null, never, never>;
}

export interface LifecycleEventsTable {
  id: Generated<number>;
  workspace_id: number;
  lead_id: number;
  from_stage: LifecycleStage | null;
  to_stage: LifecycleStage;
  occurred_at: Timestamp;
  actor_id: number | null;
  origin: Defaulted<EventOrigin>;
  reason: string | null;
  created_at: Timestamp;
}

export interface TouchpointsTable {
  id: Generated<number>;
  workspace_id: number;
  external_id: string | null;
  lead_id: number;
  type: TouchpointType;
  occurred_at: Timestamp;
  channel: string | null;
  campaign_id: number | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
  content_id: number | null;
  metadata: Json;
  created_at: Timestamp;
}

export interface OpportunitiesTable {
  id: Generated<number>;
  workspace_id: number;
  external_id: string | null;
  name: string;
  account_id: number | null;
  primary_lead_id: number | null;
  owner_id: number | null;
  qualifier_id: number | null;
  product_id: number | null;
  amount: number | null;
  currency: Defaulted<string>;
  stage: string;
  status: Defaulted<OpportunityStatus>;
  created_at: Timestamp;
  updated_at: Timestamp;
  close_date: string | null;
  closed_at: NullableTimestamp;
  reason: string | null;
  competitor: string | null;
  source: string | null;
  segment: string | null;
  custom_fields: Json;
}

export interface OpportunityContactsTable {
  workspace_id: number;
  opportunity_id: number;
  lead_id: number;
  role: Defaulted<string>;
}

export interface ActivitiesTable {
  id: Generated<number>;
  workspace_id: number;
  external_id: string | null;
  lead_id: number | null;
  opportunity_id: number | null;
  type: ActivityType;
  outcome: string | null;
  notes: string | null;
  occurred_at: Timestamp;
  actor_id: number | null;
  created_at: Timestamp;
}

export interface IdempotencyKeysTable {
  workspace_id: number;
  key: string;
  route: string;
  request_hash: string;
  status_code: number;
  response: ColumnType<unknown, string, string>;
  created_at: Timestamp;
}

export interface ImportsTable {
  id: Generated<number>;
  workspace_id: number;
  format: string;
  status: Defaulted<'queued' | 'running' | 'completed' | 'failed'>;
  files: JSONColumnType<unknown[], string | undefined, string>;
  rows_total: number | null;
  rows_read: Defaulted<number>;
  rows_created: Defaulted<number>;
  rows_updated: Defaulted<number>;
  rows_rejected: Defaulted<number>;
  error: string | null;
  created_by: number | null;
  created_at: Timestamp;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
}

export interface ImportRejectionsTable {
  id: Generated<number>;
  import_id: number;
  file: string;
  line: number;
  reason: string;
  raw: string;
}

export interface FoundationTables {
  workspaces: WorkspacesTable;
  teams: TeamsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  accounts: AccountsTable;
  products: ProductsTable;
  campaigns: CampaignsTable;
  leads: LeadsTable;
  lifecycle_events: LifecycleEventsTable;
  touchpoints: TouchpointsTable;
  opportunities: OpportunitiesTable;
  opportunity_contacts: OpportunityContactsTable;
  activities: ActivitiesTable;
  idempotency_keys: IdempotencyKeysTable;
  imports: ImportsTable;
  import_rejections: ImportRejectionsTable;
}
