import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withReportSettings } from '../funnel/funnel.repository.ts';
import { HANDED_OFF, HANDOFF_AT } from '../speed-to-lead/speed-to-lead.repository.ts';

export interface SlaComplianceFigures {
  /** SLA clocks the SLA module started for handoffs in the window (exempt and superseded ones left out). */
  clocks: number;
  /** Of those, clocks with a breach (accept, first activity or attempts) recorded. */
  breached: number;
}

/**
 * SLA compliance from the SLA module's records: the clocks it started for handoffs in
 * [from, to) and the breach events it recorded on each. A handoff without a clock was
 * under no SLA policy and is not counted either way.
 */
export async function slaComplianceFigures(
  db: Kysely<DB>,
  workspaceId: number,
  from: Date,
  to: Date,
): Promise<SlaComplianceFigures> {
  const result = await withReportSettings(db, (trx) =>
    sql<SlaComplianceFigures>`
      select count(*)::int as clocks,
        count(*) filter (where exists (
          select 1 from sla_events e
          where e.workspace_id = ${workspaceId} and e.clock_id = c.id
            and e.kind in ('accept_breach', 'activity_breach', 'attempts_breach')))::int as breached
      from sla_clocks c
      where c.workspace_id = ${workspaceId} and c.status in ('open', 'closed')
        and c.handoff_at >= ${from}::timestamptz and c.handoff_at < ${to}::timestamptz`.execute(trx),
  );
  const row = result.rows[0];
  return { clocks: Number(row?.clocks ?? 0), breached: Number(row?.breached ?? 0) };
}

export interface SpeedFigures {
  /** Leads handed to sales in the window. */
  handoffs: number;
  /** Median hours from handoff to the first sales call, email or meeting (over those answered). */
  median_hours: number | null;
  /** Of the handoffs, those answered within one hour. */
  within_1h: number;
}

/**
 * Speed to lead of several windows in one pass, by the speed-to-lead report's definition
 * (handoffsCte): a handoff is the later of reaching MQL and being assigned, for every lead
 * that reached MQL except those still waiting unassigned at MQL; the answer is the first
 * call, email or meeting on the lead at or after it, kept on the lead (first_response_at,
 * migration 0660). The report also resolves each handoff's owner and business hours, which
 * the scorecard does not need.
 */
export async function speedFigures(
  db: Kysely<DB>,
  workspaceId: number,
  windows: readonly { from: Date; to: Date }[],
): Promise<SpeedFigures[]> {
  const handoff = HANDOFF_AT;
  const inAny = sql.join(
    windows.map(
      (window) => sql`(${handoff} >= ${window.from}::timestamptz and ${handoff} < ${window.to}::timestamptz)`,
    ),
    sql` or `,
  );
  const within = (window: { from: Date; to: Date }) =>
    sql`x.handoff_at >= ${window.from}::timestamptz and x.handoff_at < ${window.to}::timestamptz`;
  const columns = windows.flatMap((window, index) => [
    sql`count(*) filter (where ${within(window)})::int as ${sql.ref(`handoffs_${index}`)}`,
    sql`count(*) filter (where ${within(window)} and x.hours <= 1)::int as ${sql.ref(`within_${index}`)}`,
    sql`percentile_cont(0.5) within group (order by x.hours) filter (where ${within(window)}) as ${sql.ref(`median_${index}`)}`,
  ]);
  const result = await withReportSettings(db, (trx) =>
    sql<Record<string, number | null>>`
      with x as (
        select ${handoff} as handoff_at,
               (extract(epoch from (l.first_response_at - ${handoff})) / 3600.0)::float8 as hours
        from leads l
        where l.workspace_id = ${workspaceId} and ${HANDED_OFF}
          and (${inAny})
      )
      select ${sql.join(columns)} from x`.execute(trx),
  );
  const row = result.rows[0] ?? {};
  return windows.map((_, index) => ({
    handoffs: Number(row[`handoffs_${index}`] ?? 0),
    median_hours: (row[`median_${index}`] as number | null) ?? null,
    within_1h: Number(row[`within_${index}`] ?? 0),
  }));
}
