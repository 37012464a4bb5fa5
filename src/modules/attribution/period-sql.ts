import { type RawBuilder, sql } from 'kysely';

/** `column >= from and column < to`, leaving out an open end (so indexes on the column still apply). */
export function inPeriod(
  column: RawBuilder<unknown>,
  period: { from: Date | null; to: Date | null },
): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [];
  if (period.from) parts.push(sql`${column} >= ${period.from}`);
  if (period.to) parts.push(sql`${column} < ${period.to}`);
  return parts.length === 0 ? sql`${column} is not null` : sql.join(parts, sql` and `);
}

/** Bounds inside PostgreSQL's timestamp range, for ranges computed in code. */
export const EARLIEST = Date.parse('0001-01-01T00:00:00Z');
export const LATEST = Date.parse('9999-12-31T00:00:00Z');
