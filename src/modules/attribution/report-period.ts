import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';
import { parsePeriod } from '../planning/periods.ts';

/** The period filter shared by the attribution, campaign and win/loss reports. */
export const reportPeriodFields = {
  period: z
    .string()
    .optional()
    .describe('A year (2026), quarter (2026-Q3) or month (2026-07); instead of from/to. Default: all time'),
  from: z.iso
    .datetime({ offset: true })
    .or(z.iso.date())
    .optional()
    .describe('Start of the period (inclusive); a date is UTC midnight'),
  to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional().describe('End of the period (exclusive)'),
};

export interface ReportPeriod {
  /** Inclusive; null: from the beginning. */
  from: Date | null;
  /** Exclusive; null: up to now. */
  to: Date | null;
}

function parseMoment(value: string): Date {
  return new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
}

export function resolveReportPeriod(query: {
  period?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}): ReportPeriod {
  if (query.period !== undefined) {
    if (query.from !== undefined || query.to !== undefined) {
      throw new AppError('VALIDATION_FAILED', 'period: give either period or from/to, not both', {
        issues: [{ path: 'period', message: 'give either period or from/to, not both' }],
      });
    }
    const period = parsePeriod(query.period);
    return { from: parseMoment(period.start), to: parseMoment(period.end) };
  }
  const from = query.from === undefined ? null : parseMoment(query.from);
  const to = query.to === undefined ? null : parseMoment(query.to);
  if (from && to && from.getTime() >= to.getTime()) {
    throw new AppError('VALIDATION_FAILED', `to: must be after from (${query.from})`, {
      issues: [{ path: 'to', message: `must be after from (${query.from})` }],
    });
  }
  return { from, to };
}

export function periodJson(period: ReportPeriod): { from: string | null; to: string | null } {
  return { from: period.from?.toISOString() ?? null, to: period.to?.toISOString() ?? null };
}
