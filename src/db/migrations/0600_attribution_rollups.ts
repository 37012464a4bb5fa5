import type { Kysely } from 'kysely';
import { executeScript } from '../script.ts';

// Journey rollups for the attribution, campaign and win/loss reports. A report over 2.5M
// touchpoints cannot order every lead's touches on each read, so every lead and opportunity
// keeps a snapshot of its journey and the reports add up per-month contributions
// (src/modules/attribution/journeys.ts). Writers pay only a statement-level trigger that
// queues the ids they changed; the next report applies the queue before reading, in one
// transaction, so no report ever reads a stale figure. TRUNCATE of a source table, or a new
// ROLLUP_VERSION, rebuilds a workspace's rollups from scratch on the next read.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await executeScript(
    db,
    `
create table attribution_queue (
  workspace_id integer not null,
  lead_id integer,
  opportunity_id integer,
  campaign_id integer
);
create index attribution_queue_workspace on attribution_queue (workspace_id);

create table attribution_rollup_state (
  workspace_id integer primary key references workspaces(id) on delete cascade,
  version integer not null,
  refreshed_at timestamptz not null default now()
);

-- No foreign key to leads: a deleted lead's snapshot is what its contributions are taken back from.
create table attribution_lead_snapshots (
  lead_id integer primary key,
  workspace_id integer not null references workspaces(id) on delete cascade,
  created_at timestamptz not null,
  mql_at timestamptz,
  sql_at timestamptz,
  sourcing_campaign_id integer,
  sourcing_channel text not null,
  in_opportunity boolean not null,
  in_won_opportunity boolean not null,
  -- For MQL-to-won by source: the lead's source and when its first won deal closed.
  source text,
  first_won_at timestamptz,
  channel_path text[] not null,
  campaign_path text[] not null
);
create index attribution_lead_snapshots_created on attribution_lead_snapshots (workspace_id, created_at);
create index attribution_lead_snapshots_mql on attribution_lead_snapshots (workspace_id, mql_at) where mql_at is not null;
create index attribution_lead_snapshots_sql on attribution_lead_snapshots (workspace_id, sql_at) where sql_at is not null;
create index attribution_lead_snapshots_campaign on attribution_lead_snapshots (workspace_id, sourcing_campaign_id, created_at) where sourcing_campaign_id is not null;

create table attribution_opportunity_snapshots (
  opportunity_id integer primary key,
  workspace_id integer not null references workspaces(id) on delete cascade,
  status text not null,
  created_at timestamptz not null,
  closed_at timestamptz,
  amount numeric(18, 2) not null,
  lead_ids integer[] not null,
  sourcing_campaign_id integer,
  sourcing_channel text not null,
  channel_path text[] not null,
  campaign_path text[] not null,
  type_path text[] not null,
  content_path text[] not null,
  time_path float8[] not null,
  touches_at_lead_creation integer not null,
  touches_at_creation integer not null,
  touches_at_close integer,
  -- Campaigns touched at or before the creation: the deals a campaign influenced.
  influencing_campaign_ids integer[] not null
);
create index attribution_opportunity_snapshots_created on attribution_opportunity_snapshots (workspace_id, created_at);
create index attribution_opportunity_snapshots_closed on attribution_opportunity_snapshots (workspace_id, closed_at) where closed_at is not null;
create index attribution_opportunity_snapshots_campaign on attribution_opportunity_snapshots (workspace_id, sourcing_campaign_id) where sourcing_campaign_id is not null;
create index attribution_opportunity_snapshots_influence on attribution_opportunity_snapshots using gin (influencing_campaign_ids);

create table attribution_rollup (
  workspace_id integer not null references workspaces(id) on delete cascade,
  kind text not null,
  dimension text not null,
  variant text not null,
  month date not null,
  key text not null,
  deals numeric(30, 6) not null,
  amount numeric(30, 4) not null,
  -- Key before month, amounts included: a report's group by (variant, key) streams from an
  -- index-only scan, with no sort and no hash table, whatever the months it sums.
  primary key (workspace_id, kind, dimension, variant, key, month) include (deals, amount)
);
-- A report over all time reads only the all-time rows (month 0001-01-01).
create index attribution_rollup_all_time on attribution_rollup (workspace_id, kind, dimension, variant, key)
  include (deals, amount) where month = '0001-01-01';
-- One campaign's page reads its own rows only.
create index attribution_rollup_key on attribution_rollup (workspace_id, dimension, key, kind);

create function attribution_queue_touchpoints() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    insert into attribution_queue (workspace_id, lead_id) select distinct workspace_id, lead_id from new_rows;
  elsif tg_op = 'DELETE' then
    insert into attribution_queue (workspace_id, lead_id) select distinct workspace_id, lead_id from old_rows;
  else
    insert into attribution_queue (workspace_id, lead_id)
      select workspace_id, lead_id from new_rows union select workspace_id, lead_id from old_rows;
  end if;
  return null;
end;
$$;
create trigger attribution_touchpoints_insert after insert on touchpoints
  referencing new table as new_rows for each statement execute function attribution_queue_touchpoints();
create trigger attribution_touchpoints_update after update on touchpoints
  referencing old table as old_rows new table as new_rows for each statement execute function attribution_queue_touchpoints();
create trigger attribution_touchpoints_delete after delete on touchpoints
  referencing old table as old_rows for each statement execute function attribution_queue_touchpoints();

-- Only the columns a lead's snapshot is made of make it stale.
create function attribution_queue_leads() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    insert into attribution_queue (workspace_id, lead_id) select workspace_id, id from new_rows;
  elsif tg_op = 'DELETE' then
    insert into attribution_queue (workspace_id, lead_id) select workspace_id, id from old_rows;
  else
    insert into attribution_queue (workspace_id, lead_id)
      select n.workspace_id, n.id from new_rows n join old_rows o on o.id = n.id
      where (n.created_at, n.lead_at, n.mql_at, n.sql_at, n.first_campaign_id, n.source)
        is distinct from (o.created_at, o.lead_at, o.mql_at, o.sql_at, o.first_campaign_id, o.source);
  end if;
  return null;
end;
$$;
create trigger attribution_leads_insert after insert on leads
  referencing new table as new_rows for each statement execute function attribution_queue_leads();
create trigger attribution_leads_update after update on leads
  referencing old table as old_rows new table as new_rows for each statement execute function attribution_queue_leads();
create trigger attribution_leads_delete after delete on leads
  referencing old table as old_rows for each statement execute function attribution_queue_leads();

create function attribution_queue_opportunities() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    insert into attribution_queue (workspace_id, opportunity_id) select workspace_id, id from new_rows;
  elsif tg_op = 'DELETE' then
    insert into attribution_queue (workspace_id, opportunity_id) select workspace_id, id from old_rows;
  else
    insert into attribution_queue (workspace_id, opportunity_id)
      select n.workspace_id, n.id from new_rows n join old_rows o on o.id = n.id
      where (n.status, n.created_at, n.closed_at, n.amount, n.primary_lead_id)
        is distinct from (o.status, o.created_at, o.closed_at, o.amount, o.primary_lead_id);
  end if;
  return null;
end;
$$;
create trigger attribution_opportunities_insert after insert on opportunities
  referencing new table as new_rows for each statement execute function attribution_queue_opportunities();
create trigger attribution_opportunities_update after update on opportunities
  referencing old table as old_rows new table as new_rows for each statement execute function attribution_queue_opportunities();
create trigger attribution_opportunities_delete after delete on opportunities
  referencing old table as old_rows for each statement execute function attribution_queue_opportunities();

create function attribution_queue_contacts() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    insert into attribution_queue (workspace_id, opportunity_id) select distinct workspace_id, opportunity_id from new_rows;
  elsif tg_op = 'DELETE' then
    insert into attribution_queue (workspace_id, opportunity_id) select distinct workspace_id, opportunity_id from old_rows;
  else
    insert into attribution_queue (workspace_id, opportunity_id)
      select workspace_id, opportunity_id from new_rows union select workspace_id, opportunity_id from old_rows;
  end if;
  return null;
end;
$$;
create trigger attribution_contacts_insert after insert on opportunity_contacts
  referencing new table as new_rows for each statement execute function attribution_queue_contacts();
create trigger attribution_contacts_update after update on opportunity_contacts
  referencing old table as old_rows new table as new_rows for each statement execute function attribution_queue_contacts();
create trigger attribution_contacts_delete after delete on opportunity_contacts
  referencing old table as old_rows for each statement execute function attribution_queue_contacts();

-- A campaign's channel is the channel of its touches that carry none.
create function attribution_queue_campaigns() returns trigger language plpgsql as $$
begin
  insert into attribution_queue (workspace_id, campaign_id)
    select n.workspace_id, n.id from new_rows n join old_rows o on o.id = n.id where n.channel is distinct from o.channel;
  return null;
end;
$$;
create trigger attribution_campaigns_update after update on campaigns
  referencing old table as old_rows new table as new_rows for each statement execute function attribution_queue_campaigns();

create function attribution_rollups_reset() returns trigger language plpgsql as $$
begin
  delete from attribution_rollup_state;
  return null;
end;
$$;
create trigger attribution_touchpoints_truncate after truncate on touchpoints
  for each statement execute function attribution_rollups_reset();
create trigger attribution_leads_truncate after truncate on leads
  for each statement execute function attribution_rollups_reset();
create trigger attribution_opportunities_truncate after truncate on opportunities
  for each statement execute function attribution_rollups_reset();
create trigger attribution_contacts_truncate after truncate on opportunity_contacts
  for each statement execute function attribution_rollups_reset();
create trigger attribution_campaigns_truncate after truncate on campaigns
  for each statement execute function attribution_rollups_reset();
`,
  );
}
