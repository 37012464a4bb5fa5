import { AppError } from '../../shared/errors.ts';

export type PeriodKind = 'month' | 'quarter' | 'year';

/** A planning period in UTC: `2026` (year), `2026-Q3` (quarter) or `2026-07` (month). */
export interface Period {
  /** The canonical string, e.g. '2026-Q3'. */
  key: string;
  kind: PeriodKind;
  /** First day, 'YYYY-MM-DD'. */
  start: string;
  /** First day after the period (exclusive end), 'YYYY-MM-DD'. */
  end: string;
}

const PERIOD_PATTERN = /^(\d{4})(?:-(?:Q([1-4])|(0[1-9]|1[0-2])))?$/;

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** 'YYYY-MM' of a month index counted from year 0 (month 0 = January of year 0). */
function monthKey(monthIndex: number): string {
  return `${Math.floor(monthIndex / 12)}-${pad((monthIndex % 12) + 1)}`;
}

function monthIndexOf(key: string): number {
  const [year, month] = key.split('-').map(Number) as [number, number];
  return year * 12 + month - 1;
}

function firstDay(monthIndex: number): string {
  return `${monthKey(monthIndex)}-01`;
}

function build(kind: PeriodKind, year: number, firstMonth: number, months: number): Period {
  const startIndex = year * 12 + firstMonth;
  const key =
    kind === 'year'
      ? String(year)
      : kind === 'quarter'
        ? `${year}-Q${firstMonth / 3 + 1}`
        : `${year}-${pad(firstMonth + 1)}`;
  return { key, kind, start: firstDay(startIndex), end: firstDay(startIndex + months) };
}

export function isPeriod(value: string): boolean {
  return PERIOD_PATTERN.test(value);
}

/** Parses a period string; `field` names the input in the error ("period", "goal.period"). */
export function parsePeriod(value: string, field = 'period'): Period {
  const match = PERIOD_PATTERN.exec(value.trim());
  if (!match) {
    throw new AppError(
      'VALIDATION_FAILED',
      `${field}: "${value}" is not a period; use a year (2026), a quarter (2026-Q3) or a month (2026-07)`,
      {
        issues: [{ path: field, message: 'must be a year (2026), a quarter (2026-Q3) or a month (2026-07)' }],
      },
    );
  }
  const year = Number(match[1]);
  if (match[2]) return build('quarter', year, (Number(match[2]) - 1) * 3, 3);
  if (match[3]) return build('month', year, Number(match[3]) - 1, 1);
  return build('year', year, 0, 12);
}

/** The months of a period in order, as 'YYYY-MM'. */
export function periodMonths(period: Period): string[] {
  const start = monthIndexOf(period.start.slice(0, 7));
  const end = monthIndexOf(period.end.slice(0, 7));
  return Array.from({ length: end - start }, (_, offset) => monthKey(start + offset));
}

/** The period of the same kind just before this one (2026-Q3 -> 2026-Q2, 2026-01 -> 2025-12). */
export function previousPeriod(period: Period): Period {
  const start = monthIndexOf(period.start.slice(0, 7));
  const months = period.kind === 'year' ? 12 : period.kind === 'quarter' ? 3 : 1;
  const previous = start - months;
  return build(period.kind, Math.floor(previous / 12), previous % 12, months);
}

/** The period of this kind containing a date. */
export function periodContaining(date: Date, kind: PeriodKind): Period {
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  if (kind === 'year') return build('year', year, 0, 12);
  if (kind === 'quarter') return build('quarter', year, month - (month % 3), 3);
  return build('month', year, month, 1);
}

/** Months from `from` to `to` inclusive ('YYYY-MM' strings). */
export function monthRange(from: string, to: string): string[] {
  const start = monthIndexOf(from);
  const end = monthIndexOf(to);
  return Array.from({ length: Math.max(0, end - start + 1) }, (_, offset) => monthKey(start + offset));
}

export function monthStart(month: string): Date {
  return new Date(`${month}-01T00:00:00.000Z`);
}

/** The first moment after the month. */
export function monthEnd(month: string): Date {
  return monthStart(monthKey(monthIndexOf(month) + 1));
}

export function monthOf(date: Date): string {
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}`;
}

/** A 'YYYY-MM-DD' date string as the UTC midnight it starts at. */
export function dayStart(date: string): Date {
  return new Date(`${date}T00:00:00.000Z`);
}

export function toDateString(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The same calendar day `months` months earlier (clamped to the month's last day). */
export function addMonths(date: string, months: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const index = year * 12 + month - 1 + months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = index % 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  return `${targetYear}-${pad(targetMonth + 1)}-${pad(Math.min(day, lastDay))}`;
}

/** Monday 00:00 UTC of the ISO week containing the moment (matches PostgreSQL date_trunc('week')). */
export function weekStart(date: Date): Date {
  const day = date.getUTCDay();
  const back = (day + 6) % 7;
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() - back));
}
