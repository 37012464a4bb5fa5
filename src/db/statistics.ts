import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.ts';

/**
 * ANALYZE after a bulk load, so the planner's statistics know the new rows (above all a new
 * workspace's: before, every `workspace_id =` condition of it is estimated at one row and
 * plans built on that walk indexes row by row). Autovacuum would get there only once a tenth
 * of a table has changed; the embedded store has no autovacuum.
 */
export async function analyzeTables(db: Kysely<DB>, tables: readonly string[]): Promise<void> {
  for (const table of tables) await sql`analyze ${sql.table(table)}`.execute(db);
}

/**
 * VACUUM (ANALYZE) after a bulk load: also marks the new pages all-visible, so index-only
 * scans (the reports' covering indexes) need not visit the table. Not possible inside a
 * transaction, where it falls back to ANALYZE.
 */
export async function vacuumTables(db: Kysely<DB>, tables: readonly string[]): Promise<void> {
  if (db.isTransaction) return analyzeTables(db, tables);
  for (const table of tables) await sql`vacuum (analyze) ${sql.table(table)}`.execute(db);
}
