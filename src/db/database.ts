import { mkdirSync } from 'node:fs';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import type { DB } from './schema.ts';

export type StoreKind = 'pglite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  kind: StoreKind;
  /** Human-readable location: a directory for the embedded store, a redacted URL for PostgreSQL. */
  location: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** postgres:// URL; when set the server store is used. */
  url?: string | undefined;
  /** Directory of the embedded store, or 'memory://' for an in-memory one. */
  dataDir?: string | undefined;
  /** Pool size for PostgreSQL. */
  poolSize?: number | undefined;
}

// Both drivers must hand the same JavaScript values to the code above them, so the
// type parsers are set identically: int8 and numeric become numbers (counts and money
// stay far below 2^53), date stays a 'YYYY-MM-DD' string (no time-zone shifts).
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;

const parseNumber = (value: string): number => Number(value);
const keepString = (value: string): string => value;

pg.types.setTypeParser(INT8, parseNumber);
pg.types.setTypeParser(NUMERIC, parseNumber);
pg.types.setTypeParser(DATE, keepString);

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      // JIT compilation off for Tandem's sessions: PostgreSQL decides on it from cost
      // estimates, which reports over a few hundred thousand rows exceed, and compiling then
      // takes longer than running the query (375 ms of JIT for a 160 ms SLA report query).
      options: '-c jit=off',
    });
    pool.on('error', (error) => {
      // An idle client losing its connection must not crash the process; the next query reconnects.
      console.error('PostgreSQL pool error:', error.message);
    });
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    await sql`select 1`.execute(db);
    return { db, kind: 'postgres', location: redactUrl(options.url), close: () => db.destroy() };
  }
  const dataDir = options.dataDir ?? 'memory://';
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create({
    dataDir,
    parsers: {
      [pgliteTypes.INT8]: parseNumber,
      [pgliteTypes.NUMERIC]: parseNumber,
      [pgliteTypes.DATE]: keepString,
    },
  });
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return { db, kind: 'pglite', location: dataDir, close: () => db.destroy() };
}
