import { type Kysely, sql } from 'kysely';

/** A column for set-based writes: its name and the PostgreSQL array element type to cast to. */
export interface BulkColumn<Row> {
  name: string;
  type: 'text' | 'int4' | 'int8' | 'numeric' | 'timestamptz' | 'date' | 'jsonb' | 'bool' | 'float8';
  value: (row: Row) => unknown;
}

function arrayOf<Row>(rows: readonly Row[], column: BulkColumn<Row>): unknown[] {
  return rows.map((row) => {
    const value = column.value(row);
    if (value === undefined || value === null) return null;
    if (column.type === 'jsonb') return typeof value === 'string' ? value : JSON.stringify(value);
    if (value instanceof Date) return value.toISOString();
    return value;
  });
}

/**
 * `select * from unnest($1::t1[], $2::t2[], ...)`: one parameter per column whatever the
 * number of rows, so 10,000 rows cost one round trip on both PostgreSQL and PGlite.
 */
export function unnestSource<Row>(rows: readonly Row[], columns: readonly BulkColumn<Row>[]) {
  const parts = columns.map((column) => sql`${arrayOf(rows, column)}::${sql.raw(column.type)}[]`);
  return sql`unnest(${sql.join(parts)})`;
}

/**
 * Inserts rows in one statement and returns the requested columns in input order.
 * `ordinality` keeps the pairing between input rows and generated ids.
 */
export async function bulkInsert<Row, Returned extends Record<string, unknown> = { id: number }>(
  // biome-ignore lint/suspicious/noExplicitAny: table-agnostic helper; callers type the rows
  db: Kysely<any>,
  table: string,
  rows: readonly Row[],
  columns: readonly BulkColumn<Row>[],
  returning: readonly string[] = ['id'],
): Promise<Returned[]> {
  if (rows.length === 0) return [];
  const names = sql.join(columns.map((column) => sql.ref(column.name)));
  const aliases = sql.join(columns.map((_, index) => sql.raw(`c${index}`)));
  const selected = sql.join(columns.map((_, index) => sql.raw(`src.c${index}`)));
  const returnList =
    returning.length > 0 ? sql`returning ${sql.join(returning.map((name) => sql.ref(name)))}` : sql``;
  // Rows come back in insertion order: a single INSERT ... SELECT ... ORDER BY n inserts
  // in that order and RETURNING reports rows as they were inserted.
  const result = await sql<Returned>`
    insert into ${sql.table(table)} (${names})
    select ${selected} from ${unnestSource(rows, columns)} with ordinality as src(${aliases}, n)
    order by src.n
    ${returnList}`.execute(db);
  return result.rows;
}
