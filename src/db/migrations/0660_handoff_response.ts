import type { Kysely } from 'kysely';
import { executeScript } from '../script.ts';

// How sales answered each handoff, kept on the lead so the speed-to-lead, SLA and scorecard
// reports read it from an index instead of probing activities lead by lead (79,000 probes,
// a quarter of a second, for the 18 months of the demo company of profile m):
// - first_response_at: the first call, email or meeting on the lead at or after its handoff
//   moment (the later of reaching MQL and being assigned);
// - first_week_attempts: how many calls, emails and meetings fell in the 7 days from it.
// Both are null for a lead that never reached MQL, and for a lead inserted as an MQL until
// its first activity (it can have none yet: activities reference it), which readers take as
// no response and no attempts. They are recomputed from the activities
// whenever the handoff moment moves (a row trigger on leads) and for every lead whose
// activities change (statement triggers on activities), so they are never stale; the
// partial index covers what the reports read about handoffs.
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await executeScript(
    db,
    `
alter table leads add column first_response_at timestamptz;
alter table leads add column first_week_attempts integer;

create function lead_handoff_response(p_workspace integer, p_lead integer, p_handoff timestamptz,
  out first_at timestamptz, out week_attempts integer) language sql stable as $$
  select min(a.occurred_at), count(*) filter (where a.occurred_at < p_handoff + interval '7 days')::int
  from activities a
  where a.workspace_id = p_workspace and a.lead_id = p_lead
    and a.type in ('call', 'email', 'meeting') and a.occurred_at >= p_handoff
$$;

create function leads_handoff_response() returns trigger language plpgsql as $$
begin
  if new.mql_at is null then
    new.first_response_at := null;
    new.first_week_attempts := null;
  else
    select r.first_at, r.week_attempts into new.first_response_at, new.first_week_attempts
    from lead_handoff_response(new.workspace_id, new.id, greatest(new.mql_at, new.assigned_at)) r;
  end if;
  return new;
end;
$$;
create trigger leads_handoff_response before update of mql_at, assigned_at on leads
  for each row when (old.mql_at is distinct from new.mql_at or old.assigned_at is distinct from new.assigned_at)
  execute function leads_handoff_response();

create function activities_handoff_response() returns trigger language plpgsql as $$
declare
  touched integer[];
begin
  if tg_op = 'INSERT' then
    select array_agg(distinct lead_id) into touched from new_rows
    where lead_id is not null and type in ('call', 'email', 'meeting');
  elsif tg_op = 'DELETE' then
    select array_agg(distinct lead_id) into touched from old_rows
    where lead_id is not null and type in ('call', 'email', 'meeting');
  else
    select array_agg(distinct lead_id) into touched
    from (select lead_id, type from new_rows union all select lead_id, type from old_rows) changed
    where lead_id is not null and type in ('call', 'email', 'meeting');
  end if;
  if touched is null then
    return null;
  end if;
  update leads l set first_response_at = c.first_at, first_week_attempts = c.week_attempts
  from (
    select l2.id, r.first_at, r.week_attempts
    from leads l2
    cross join lateral lead_handoff_response(l2.workspace_id, l2.id, greatest(l2.mql_at, l2.assigned_at)) r
    where l2.id = any(touched) and l2.mql_at is not null
  ) c
  where l.id = c.id
    and (l.first_response_at, l.first_week_attempts) is distinct from (c.first_at, c.week_attempts);
  return null;
end;
$$;
create trigger activities_handoff_response_insert after insert on activities
  referencing new table as new_rows for each statement execute function activities_handoff_response();
create trigger activities_handoff_response_update after update on activities
  referencing old table as old_rows new table as new_rows for each statement execute function activities_handoff_response();
create trigger activities_handoff_response_delete after delete on activities
  referencing old table as old_rows for each statement execute function activities_handoff_response();

-- The rep who last had a lead that went back to marketing: its latest decision, in order.
create index lead_feedback_lead_latest on lead_feedback (workspace_id, lead_id, decided_at desc, id desc)
  include (owner_id) where owner_id is not null;

create index leads_handoffs on leads (workspace_id, (greatest(mql_at, assigned_at)))
  include (id, owner_id, stage, source, mql_at, assigned_at, first_response_at, first_week_attempts)
  where mql_at is not null;

update leads l set first_response_at = r.first_at, first_week_attempts = r.week_attempts
from leads l2
cross join lateral lead_handoff_response(l2.workspace_id, l2.id, greatest(l2.mql_at, l2.assigned_at)) r
where l2.mql_at is not null and l.id = l2.id;
`,
  );
}
