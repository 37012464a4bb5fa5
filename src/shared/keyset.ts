import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { type CursorPosition, decodeCursor, parseSort } from './pagination.ts';

/** How a sort column compares: the PostgreSQL type its cursor value is cast to. */
export type KeysetType = 'timestamptz' | 'date' | 'numeric' | 'text' | 'int8';

export interface KeysetSort {
  /** Column to sort on, optionally table-qualified ("opportunities.amount"). */
  column: string;
  direction: 'asc' | 'desc';
  type: KeysetType;
  /** Whether the column can hold null (nulls sort last in both directions). */
  nullable: boolean;
  /** The unique tie-breaker column (default "id"). */
  idColumn?: string;
}

function isIdSort(sort: KeysetSort): boolean {
  return sort.column === (sort.idColumn ?? 'id');
}

/**
 * The condition that selects the rows after a cursor, for `order by column dir nulls last, id dir`.
 * Non-null columns use a row comparison, which PostgreSQL answers from a (column, id) index.
 */
export function keysetAfter(sort: KeysetSort, cursor: string): RawBuilder<SqlBool> {
  const position: CursorPosition = decodeCursor(cursor);
  const id = sql.ref(sort.idColumn ?? 'id');
  const op = sql.raw(sort.direction === 'asc' ? '>' : '<');
  if (isIdSort(sort)) return sql<SqlBool>`${id} ${op} ${position.id}`;
  const column = sql.ref(sort.column);
  if (position.value === null) {
    // Past the last non-null value only the null rows remain, ordered by id.
    return sql<SqlBool>`(${column} is null and ${id} ${op} ${position.id})`;
  }
  const value = sql`cast(${position.value} as ${sql.raw(sort.type)})`;
  if (!sort.nullable) return sql<SqlBool>`(${column}, ${id}) ${op} (${value}, ${position.id})`;
  return sql<SqlBool>`(${column} ${op} ${value} or (${column} = ${value} and ${id} ${op} ${position.id}) or ${column} is null)`;
}

/** The order-by terms matching keysetAfter. */
export function keysetOrder(sort: KeysetSort): RawBuilder<unknown>[] {
  const direction = sql.raw(sort.direction);
  const id = sql`${sql.ref(sort.idColumn ?? 'id')} ${direction}`;
  if (isIdSort(sort)) return [id];
  // `nulls last` only where nulls can occur: on a non-null column it would stop a descending
  // sort from reading its index backwards.
  if (!sort.nullable) return [sql`${sql.ref(sort.column)} ${direction}`, id];
  return [sql`${sql.ref(sort.column)} ${direction} nulls last`, id];
}

/** The cursor position of a row: its sort value (ISO string for timestamps) and id. */
export function keysetPosition(value: unknown, id: number): CursorPosition {
  if (value instanceof Date) return { value: value.toISOString(), id };
  if (typeof value === 'string' || typeof value === 'number') return { value, id };
  return { value: null, id };
}

/** A LIKE pattern matching `search` anywhere, lower-cased, with LIKE's wildcards escaped. */
export function containsPattern(search: string): string {
  return `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** What a list can sort on: each column's cursor type and whether it holds nulls. */
export type SortColumns<Column extends string> = Record<Column, { type: KeysetType; nullable: boolean }>;

/** Parses `sort` ("amount" or "-amount") against the list's columns, naming them on a bad value. */
export function keysetSort<Column extends string>(
  sort: string | undefined,
  columns: SortColumns<Column>,
  fallback: NoInfer<`${'' | '-'}${Column}`>,
): KeysetSort & { column: Column } {
  const parsed = parseSort(sort, Object.keys(columns) as Column[], fallback);
  return { ...parsed, ...columns[parsed.column] };
}
