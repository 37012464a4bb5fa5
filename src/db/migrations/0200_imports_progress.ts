import type { Kysely } from 'kysely';
import { executeScript } from '../script.ts';

// Imports run in the background of a server process: a heartbeat tells a live run from one
// whose process died (several app instances may share one PostgreSQL database), and the
// per-resource counts are kept for the status endpoint.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await executeScript(
    db,
    `
alter table imports add column heartbeat_at timestamptz;
alter table imports add column resource text;
alter table imports add column summary jsonb not null default '{}'::jsonb;
create index imports_workspace_recent on imports (workspace_id, id desc);
create index imports_unfinished on imports (status) where status in ('queued', 'running');
`,
  );
}
