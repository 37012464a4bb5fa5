import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Defaulted<T> = ColumnType<T, T | undefined, T>;

export interface GoalsTable {
  id: Generated<number>;
  workspace_id: number;
  /** '2026', '2026-Q3' or '2026-07'. */
  period: string;
  /** 'YYYY-MM-DD'. */
  period_start: string;
  /** 'YYYY-MM-DD', exclusive. */
  period_end: string;
  revenue: number;
  marketing_share: Defaulted<number>;
  segment: string | null;
  product_id: number | null;
  owner_id: number | null;
  marketing_owner_id: number | null;
  sales_owner_id: number | null;
  notes: string | null;
  created_by: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PlansTable {
  id: Generated<number>;
  workspace_id: number;
  name: string;
  goal_id: number | null;
  period: string;
  period_start: string;
  period_end: string;
  revenue: number;
  marketing_share: number;
  /** The request that produced the plan (given rates, history window, program mix). */
  inputs: JSONColumnType<Record<string, unknown>, string, string>;
  /** The computed plan as the API returns it (steps, split, channels, phasing ...). */
  result: JSONColumnType<Record<string, unknown>, string, string>;
  created_by: number | null;
  created_at: Timestamp;
}

export interface PlanningTables {
  goals: GoalsTable;
  plans: PlansTable;
}
