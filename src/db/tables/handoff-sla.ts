import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Defaulted<T> = ColumnType<T, T | undefined, T>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T extends object = Record<string, unknown>> = JSONColumnType<T, string | undefined, string>;

export type NotificationEvent =
  | 'lead.assigned'
  | 'sla.warning'
  | 'sla.breached'
  | 'lead.rejected'
  | 'lead.recycled'
  | 'lead.needs_qualification';

export type NotificationChannelKind = 'webhook' | 'slack' | 'email';
export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'failed' | 'skipped';

export interface NotificationChannelsTable {
  id: Generated<number>;
  workspace_id: number;
  name: string;
  kind: NotificationChannelKind;
  url: string | null;
  secret: string | null;
  events: Json<NotificationEvent[]>;
  config: Json;
  active: Defaulted<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface NotificationsTable {
  id: Generated<number>;
  workspace_id: number;
  event: NotificationEvent;
  lead_id: number | null;
  recipient_user_id: number | null;
  payload: Json;
  idempotency_key: string;
  created_at: Timestamp;
}

export interface NotificationDeliveriesTable {
  id: Generated<number>;
  workspace_id: number;
  notification_id: number;
  channel_id: number;
  status: Defaulted<DeliveryStatus>;
  attempts: Defaulted<number>;
  due_at: Timestamp;
  lease_token: string | null;
  last_error: string | null;
  last_status_code: number | null;
  delivered_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type SlaClockKind = 'wall' | 'business';
export type BreachAction = 'reassign' | 'recycle' | 'none';
export type SlaClockStatus = 'open' | 'closed' | 'superseded' | 'exempt';
export type SlaEventKind =
  | 'accept_warning'
  | 'accept_breach'
  | 'activity_warning'
  | 'activity_breach'
  | 'attempts_warning'
  | 'attempts_breach'
  | 'escalation'
  | 'reassignment'
  | 'recycle'
  | 'leakage';

export interface BusinessCalendarsTable {
  id: Generated<number>;
  workspace_id: number;
  name: string;
  time_zone: string;
  working_days: Json<number[]>;
  start_minute: number;
  end_minute: number;
  holidays: Json<string[]>;
  is_default: Defaulted<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SlaPoliciesTable {
  id: Generated<number>;
  workspace_id: number;
  name: string;
  position: Defaulted<number>;
  active: Defaulted<boolean>;
  match_temperatures: Json<string[]>;
  match_sources: Json<string[]>;
  match_min_employees: number | null;
  match_max_employees: number | null;
  match_min_score: number | null;
  accept_within_minutes: number | null;
  first_activity_within_minutes: number | null;
  attempts_required: number | null;
  attempts_within_days: number | null;
  warn_before_minutes: number | null;
  escalate: Defaulted<boolean>;
  breach_action: Defaulted<BreachAction>;
  action_delay_minutes: Defaulted<number>;
  leakage_days: number | null;
  clock: Defaulted<SlaClockKind>;
  calendar_id: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SlaClocksTable {
  id: Generated<number>;
  workspace_id: number;
  lead_id: number;
  handoff_at: Timestamp;
  owner_id: number | null;
  policy_id: number | null;
  status: SlaClockStatus;
  escalate: Defaulted<boolean>;
  breach_action: Defaulted<BreachAction>;
  action_delay_minutes: Defaulted<number>;
  accept_warn_at: NullableTimestamp;
  accept_due_at: NullableTimestamp;
  activity_warn_at: NullableTimestamp;
  activity_due_at: NullableTimestamp;
  attempts_required: number | null;
  attempts_warn_at: NullableTimestamp;
  attempts_due_at: NullableTimestamp;
  leakage_at: NullableTimestamp;
  next_check_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SlaEventsTable {
  id: Generated<number>;
  workspace_id: number;
  clock_id: number;
  lead_id: number;
  handoff_at: Timestamp;
  kind: SlaEventKind;
  owner_id: number | null;
  deadline_at: Timestamp;
  occurred_at: Timestamp;
  details: Json;
}

export interface SlaCommitmentsTable {
  id: Generated<number>;
  workspace_id: number;
  period: string;
  period_start: string;
  period_end: string;
  mql_volume: number;
  min_acceptance_rate: number;
  notes: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type FeedbackDecision = 'accepted' | 'rejected';
export type RejectionOutcome = 'recycled' | 'disqualified';
export type InsightType =
  | 'need'
  | 'objection'
  | 'competitor_mention'
  | 'feature_request'
  | 'pricing_feedback';

export interface RejectionReasonsTable {
  id: Generated<number>;
  workspace_id: number;
  code: string;
  label: string;
  requires_note: Defaulted<boolean>;
  active: Defaulted<boolean>;
  position: Defaulted<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LeadFeedbackTable {
  id: Generated<number>;
  workspace_id: number;
  lead_id: number;
  decision: FeedbackDecision;
  reason_code: string | null;
  note: string | null;
  outcome: RejectionOutcome | null;
  handoff_at: NullableTimestamp;
  owner_id: number | null;
  decided_by: number | null;
  decided_at: Timestamp;
  created_at: Timestamp;
}

export interface InsightsTable {
  id: Generated<number>;
  workspace_id: number;
  type: InsightType;
  lead_id: number | null;
  account_id: number | null;
  opportunity_id: number | null;
  competitor: string | null;
  body: string;
  source: string | null;
  occurred_at: Timestamp;
  created_by: number | null;
  created_at: Timestamp;
}

export interface HandoffSlaTables {
  notification_channels: NotificationChannelsTable;
  notifications: NotificationsTable;
  notification_deliveries: NotificationDeliveriesTable;
  business_calendars: BusinessCalendarsTable;
  sla_policies: SlaPoliciesTable;
  sla_clocks: SlaClocksTable;
  sla_events: SlaEventsTable;
  sla_commitments: SlaCommitmentsTable;
  rejection_reasons: RejectionReasonsTable;
  lead_feedback: LeadFeedbackTable;
  insights: InsightsTable;
}
