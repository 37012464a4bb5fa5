import type { ColumnType, JSONColumnType } from 'kysely';

// Columns migration 0200 adds to the foundation's imports table, merged into its interface.
declare module './foundation.ts' {
  interface ImportsTable {
    heartbeat_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
    resource: string | null;
    summary: JSONColumnType<Record<string, unknown>, string | undefined, string>;
  }
}
