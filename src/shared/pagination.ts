import { z } from 'zod';
import { AppError } from './errors.ts';

/**
 * Keyset pagination: the cursor carries the sort value and id of the last row served,
 * so pages stay stable while rows are inserted and cost the same at any depth.
 */
export interface CursorPosition {
  /** Sort value of the last row (ISO string for timestamps, number, or string). */
  value: string | number | null;
  id: number;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.value, position.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      (typeof parsed[0] === 'string' || typeof parsed[0] === 'number' || parsed[0] === null) &&
      Number.isInteger(parsed[1])
    ) {
      return { value: parsed[0], id: parsed[1] as number };
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError('VALIDATION_FAILED', 'cursor: not a cursor returned by this API', {
    issues: [{ path: 'cursor', message: 'not a cursor returned by this API' }],
  });
}

export const limitSchema = z.coerce
  .number()
  .int()
  .min(1)
  .max(500)
  .default(50)
  .describe('Page size, 1 to 500 (default 50)');

export const cursorSchema = z
  .string()
  .min(1)
  .optional()
  .describe('Cursor from the previous page (next_cursor)');

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    next_cursor: z.string().nullable().describe('Pass as cursor to get the next page; null on the last page'),
  });
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Builds a page from limit+1 fetched rows. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  cursorOf: (row: Row) => CursorPosition,
  map: (row: Row) => Item,
): Page<Item> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return {
    items: pageRows.map(map),
    next_cursor: hasMore && last !== undefined ? encodeCursor(cursorOf(last)) : null,
  };
}

/** 'created_at' or '-created_at' -> column and direction. */
export function parseSort<Column extends string>(
  sort: string | undefined,
  allowed: readonly Column[],
  fallback: NoInfer<`${'' | '-'}${Column}`>,
): { column: Column; direction: 'asc' | 'desc' } {
  const raw = sort ?? fallback;
  const direction = raw.startsWith('-') ? 'desc' : 'asc';
  const column = raw.replace(/^-/, '') as Column;
  if (!allowed.includes(column)) {
    throw new AppError(
      'VALIDATION_FAILED',
      `sort: must be one of ${allowed.join(', ')} (prefix - for descending)`,
      {
        issues: [{ path: 'sort', message: `must be one of ${allowed.join(', ')}` }],
      },
    );
  }
  return { column, direction };
}
