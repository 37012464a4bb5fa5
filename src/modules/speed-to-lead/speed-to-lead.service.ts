import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../shared/errors.ts';
import type { Caller } from '../auth/auth.ts';
import * as slaRepository from '../sla/sla.repository.ts';
import { calendarFromRow } from '../sla/sla.service.ts';
import {
  type SpeedToLeadGrouping,
  type SpeedToLeadRow,
  speedToLeadRows,
} from './speed-to-lead.repository.ts';
import type { SpeedToLeadFigures, SpeedToLeadReport } from './speed-to-lead.schemas.ts';

export interface SpeedToLeadOptions {
  from?: string | undefined;
  to?: string | undefined;
  by?: SpeedToLeadGrouping | undefined;
  calendarId?: number | undefined;
  /** The default end of the window (tests and the CLI pass their own "now"). */
  now?: Date;
}

function round(value: number | null, digits = 4): number | null {
  if (value === null || value === undefined) return null;
  const factor = 10 ** digits;
  return Math.round(Number(value) * factor) / factor;
}

function share(count: number | null, leads: number): number | null {
  return leads === 0 || count === null ? null : round(Number(count) / leads);
}

function figuresOf(row: SpeedToLeadRow, withBusiness: boolean): SpeedToLeadFigures {
  return {
    leads: row.leads,
    responded: row.responded,
    median_hours: round(row.median_hours),
    p90_hours: round(row.p90_hours),
    within_1h_share: share(row.within_1h, row.leads),
    within_24h_share: share(row.within_24h, row.leads),
    over_24h_share: share(row.over_24h, row.leads),
    never_share: share(row.never, row.leads),
    breaches: row.breaches,
    business: withBusiness
      ? {
          median_hours: round(row.business_median_hours),
          p90_hours: round(row.business_p90_hours),
          within_1h_share: share(row.business_within_1h, row.leads),
          within_24h_share: share(row.business_within_24h, row.leads),
          over_24h_share: share(row.business_over_24h, row.leads),
        }
      : null,
  };
}

function parseBound(value: string, field: string): Date {
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime())) {
    throw new AppError('VALIDATION_FAILED', `${field}: not a date`, {
      issues: [{ path: field, message: 'not a date' }],
    });
  }
  return date;
}

const EMPTY_ROW: SpeedToLeadRow = {
  is_total: 1,
  group_id: null,
  group_key: null,
  leads: 0,
  responded: 0,
  median_hours: null,
  p90_hours: null,
  within_1h: 0,
  within_24h: 0,
  over_24h: 0,
  never: 0,
  breaches: 0,
  business_median_hours: null,
  business_p90_hours: null,
  business_within_1h: 0,
  business_within_24h: 0,
  business_over_24h: 0,
};

/**
 * Speed-to-lead: how fast sales answers handed-off leads, overall and optionally per owner,
 * team or source, in wall-clock hours and (with a calendar) business hours.
 */
export async function getSpeedToLead(
  db: Kysely<DB>,
  caller: Caller,
  options: SpeedToLeadOptions,
): Promise<SpeedToLeadReport> {
  const from = options.from ? parseBound(options.from, 'from') : null;
  const to = options.to ? parseBound(options.to, 'to') : (options.now ?? new Date());
  if (from && from >= to) {
    throw new AppError('VALIDATION_FAILED', 'to: must be after from', {
      issues: [{ path: 'to', message: 'must be after from' }],
    });
  }
  const calendarRow =
    options.calendarId !== undefined
      ? await slaRepository.getCalendar(db, caller.workspaceId, options.calendarId)
      : await slaRepository.getDefaultCalendar(db, caller.workspaceId);
  if (options.calendarId !== undefined && !calendarRow) {
    throw new AppError('RESOURCE_NOT_FOUND', `Business calendar ${options.calendarId} does not exist`);
  }
  const rows = await speedToLeadRows(db, caller.workspaceId, {
    from,
    to,
    by: options.by ?? null,
    calendar: calendarRow ? calendarFromRow(calendarRow) : null,
  });
  const withBusiness = calendarRow !== undefined;
  const total = rows.find((row) => row.is_total !== 0) ?? EMPTY_ROW;
  const report: SpeedToLeadReport = {
    from: from?.toISOString() ?? null,
    to: to.toISOString(),
    by: options.by ?? null,
    calendar: calendarRow
      ? { id: calendarRow.id, name: calendarRow.name, time_zone: calendarRow.time_zone }
      : null,
    overall: figuresOf(total, withBusiness),
  };
  if (options.by) {
    report.groups = rows
      .filter((row) => row.is_total === 0)
      .map((row) => ({ key: row.group_key, id: row.group_id, ...figuresOf(row, withBusiness) }));
  }
  return report;
}
