import type { Kysely } from 'kysely';
import { executeScript } from '../script.ts';

// Indexes for the lists of accounts, products, campaigns, touchpoints, activities and
// opportunities: each list's default keyset order (column, id) and the filters the API
// offers, plus idempotent product ingest by external_id.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await executeScript(
    db,
    `
create unique index products_workspace_external on products (workspace_id, external_id) where external_id is not null;

create index accounts_workspace_created on accounts (workspace_id, created_at, id);
create index accounts_workspace_owner on accounts (workspace_id, owner_id) where owner_id is not null;
create index accounts_workspace_parent on accounts (workspace_id, parent_account_id) where parent_account_id is not null;

create index campaigns_workspace_created on campaigns (workspace_id, created_at, id);
create index campaigns_workspace_parent on campaigns (workspace_id, parent_id) where parent_id is not null;
create index campaigns_workspace_start on campaigns (workspace_id, start_date);

create index touchpoints_workspace_time on touchpoints (workspace_id, occurred_at, id);

create index activities_workspace_time on activities (workspace_id, occurred_at, id);
create index activities_actor_time on activities (workspace_id, actor_id, occurred_at) where actor_id is not null;

create index opportunities_workspace_closed on opportunities (workspace_id, closed_at, id) where closed_at is not null;
create index opportunities_workspace_account on opportunities (workspace_id, account_id) where account_id is not null;
`,
  );
}
