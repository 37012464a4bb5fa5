import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../shared/errors.ts';
import type { Caller } from '../auth/auth.ts';
import { handoffsCte } from '../speed-to-lead/speed-to-lead.repository.ts';
import * as repository from './sla.repository.ts';
import type { SlaReportQuery } from './sla.schemas.ts';

function round(value: number | null, digits = 4): number | null {
  if (value === null || value === undefined) return null;
  const factor = 10 ** digits;
  return Math.round(Number(value) * factor) / factor;
}

/** Period starts (YYYY-MM-DD, UTC) from the one containing `from` up to `to` (exclusive). */
export function periodStarts(from: Date, to: Date, period: repository.ReportPeriod): string[] {
  const start = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  if (period === 'week') start.setUTCDate(start.getUTCDate() - ((start.getUTCDay() + 6) % 7));
  if (period === 'month') start.setUTCDate(1);
  if (period === 'quarter') start.setUTCMonth(start.getUTCMonth() - (start.getUTCMonth() % 3), 1);
  const starts: string[] = [];
  for (const cursor = start; cursor < to && starts.length < 1000; ) {
    starts.push(cursor.toISOString().slice(0, 10));
    if (period === 'week') cursor.setUTCDate(cursor.getUTCDate() + 7);
    else cursor.setUTCMonth(cursor.getUTCMonth() + (period === 'month' ? 1 : 3));
  }
  return starts;
}

function commitmentKind(key: string): repository.ReportPeriod | 'year' {
  if (/^\d{4}-Q[1-4]$/.test(key)) return 'quarter';
  if (/^\d{4}-\d{2}$/.test(key)) return 'month';
  return 'year';
}

/**
 * Both sides of the SLA per period. Marketing: MQLs delivered (by the moment they became
 * MQL) against the commitment for that period, and the share sales accepted. Sales, per
 * rep and in total: leads handed off (by handoff moment), responses, median response
 * time, attempts in the first 7 days, breaches and leakage.
 */
export async function getSlaReport(db: Kysely<DB>, caller: Caller, query: SlaReportQuery) {
  const from = new Date(`${query.from}T00:00:00Z`);
  const to = new Date(`${query.to}T00:00:00Z`);
  if (from >= to) {
    throw new AppError('VALIDATION_FAILED', 'to: must be after from', {
      issues: [{ path: 'to', message: 'must be after from' }],
    });
  }
  const window = { from, to, period: query.period };
  const [marketing, sales, events, commitments] = await Promise.all([
    repository.marketingPeriodRows(db, caller.workspaceId, window),
    repository.salesPeriodRows(db, window, handoffsCte(caller.workspaceId, from, to)),
    repository.eventPeriodRows(db, caller.workspaceId, window),
    repository.findCommitments(db, caller.workspaceId),
  ]);
  const ownerIds = [
    ...new Set([...sales, ...events].map((row) => row.owner_id).filter((id): id is number => id !== null)),
  ];
  const names = await repository.userNames(db, caller.workspaceId, ownerIds);
  const key = (period: string, owner: number | null) => `${period}|${owner ?? ''}`;
  const eventsByKey = new Map(
    events.map((row) => [
      row.is_total ? `${row.period_start}|total` : key(row.period_start, row.owner_id),
      row,
    ]),
  );

  return {
    from: query.from,
    to: query.to,
    period: query.period,
    periods: periodStarts(from, to, query.period).map((periodStart) => {
      const delivered = marketing.find((row) => row.period_start === periodStart);
      const commitment = commitments.find(
        (row) => row.period_start === periodStart && commitmentKind(row.period) === query.period,
      );
      const mqls = delivered?.mqls ?? 0;
      const accepted = delivered?.accepted ?? 0;
      const acceptedShare = mqls > 0 ? round(accepted / mqls) : null;
      const total = sales.find((row) => row.is_total && row.period_start === periodStart);
      const totalEvents = eventsByKey.get(`${periodStart}|total`);
      const salesFigures = (
        row: repository.SalesPeriodRow | undefined,
        eventRow: repository.EventPeriodRow | undefined,
      ) => ({
        handed_off: row?.handed_off ?? 0,
        responded: row?.responded ?? 0,
        median_response_hours: round(row?.median_response_hours ?? null),
        avg_attempts: round(row?.avg_attempts ?? null),
        breaches: eventRow?.breaches ?? 0,
        leakage: eventRow?.leakage ?? 0,
      });
      const repOwners = new Set<number | null>([
        ...sales
          .filter((row) => !row.is_total && row.period_start === periodStart)
          .map((row) => row.owner_id),
        ...events
          .filter((row) => !row.is_total && row.period_start === periodStart)
          .map((row) => row.owner_id),
      ]);
      return {
        period_start: periodStart,
        marketing: {
          mqls_delivered: mqls,
          mqls_committed: commitment?.mql_volume ?? null,
          delivered_vs_committed:
            commitment && commitment.mql_volume > 0 ? round(mqls / commitment.mql_volume) : null,
          accepted,
          rejected: delivered?.rejected ?? 0,
          accepted_share: acceptedShare,
          min_acceptance_rate: commitment ? Number(commitment.min_acceptance_rate) : null,
          commitment_met: commitment
            ? mqls >= commitment.mql_volume && (acceptedShare ?? 0) >= Number(commitment.min_acceptance_rate)
            : null,
        },
        sales: salesFigures(total, totalEvents),
        reps: [...repOwners]
          .map((owner) => ({
            owner_id: owner,
            owner_name: owner === null ? null : (names.get(owner) ?? null),
            ...salesFigures(
              sales.find(
                (row) => !row.is_total && row.period_start === periodStart && row.owner_id === owner,
              ),
              eventsByKey.get(key(periodStart, owner)),
            ),
          }))
          .sort((a, b) => (a.owner_name ?? '').localeCompare(b.owner_name ?? '')),
      };
    }),
  };
}
