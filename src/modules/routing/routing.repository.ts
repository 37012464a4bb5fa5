import { type Kysely, type Selectable, sql } from 'kysely';
import { bulkInsert } from '../../db/bulk.ts';
import type { DB } from '../../db/schema.ts';
import type { AccountsTable, UserStatus } from '../../db/tables/foundation.ts';
import type { LeadAssignmentsTable } from '../../db/tables/handoff-scoring.ts';
import type { Condition } from '../scoring/scoring.ts';
import type { RoutingRule } from './routing.ts';

export type LeadAssignmentRow = Selectable<LeadAssignmentsTable>;
export type AccountRow = Selectable<AccountsTable>;

export async function findRules(db: Kysely<DB>, workspaceId: number): Promise<RoutingRule[]> {
  const rows = await db
    .selectFrom('routing_rules')
    .select(['id', 'position', 'name', 'kind', 'conditions', 'team_id', 'user_id', 'weights', 'active'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('position')
    .orderBy('id')
    .execute();
  return rows.map((row) => ({ ...row, conditions: row.conditions as Condition[] }));
}

export interface RuleWrite {
  id?: number | undefined;
  position: number;
  name: string;
  kind: RoutingRule['kind'];
  conditions: Condition[];
  team_id: number | null;
  user_id: number | null;
  weights: Record<string, number>;
  active: boolean;
}

/** Replaces the workspace's rules: keeps ids that are given, deletes the rest, inserts new ones. */
export async function replaceRules(
  db: Kysely<DB>,
  workspaceId: number,
  rules: RuleWrite[],
  now: Date,
): Promise<void> {
  const kept = rules.map((rule) => rule.id).filter((id): id is number => id !== undefined);
  let removal = db.deleteFrom('routing_rules').where('workspace_id', '=', workspaceId);
  if (kept.length) removal = removal.where('id', 'not in', kept);
  await removal.execute();
  for (const rule of rules) {
    const values = {
      position: rule.position,
      name: rule.name,
      kind: rule.kind,
      conditions: JSON.stringify(rule.conditions),
      team_id: rule.team_id,
      user_id: rule.user_id,
      weights: JSON.stringify(rule.weights),
      active: rule.active,
      updated_at: now,
    };
    if (rule.id !== undefined) {
      await db
        .updateTable('routing_rules')
        .set(values)
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', rule.id)
        .execute();
    } else {
      await db
        .insertInto('routing_rules')
        .values({ ...values, workspace_id: workspaceId })
        .execute();
    }
  }
}

export async function existingRuleIds(db: Kysely<DB>, workspaceId: number): Promise<Set<number>> {
  const rows = await db
    .selectFrom('routing_rules')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .execute();
  return new Set(rows.map((row) => row.id));
}

export async function getAccount(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
): Promise<AccountRow | undefined> {
  return db
    .selectFrom('accounts')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export interface OwnedAccount {
  id: number;
  name: string;
  domain: string | null;
  owner_id: number;
  matched_by: 'account' | 'email_domain' | 'company';
}

/**
 * The account a lead belongs to for the account-owner rule, among accounts with an owner:
 * the lead's linked account, else the account whose domain is the lead's email domain,
 * else the account named like the lead's company (case-insensitive). Lowest id wins a tie.
 */
export async function findOwnedAccount(
  db: Kysely<DB>,
  workspaceId: number,
  lead: { account_id: number | null; company: string | null },
  domain: string | null,
): Promise<OwnedAccount | undefined> {
  const matchers = [];
  if (lead.account_id !== null) matchers.push(sql<boolean>`a.id = ${lead.account_id}::int`);
  if (domain) matchers.push(sql<boolean>`lower(a.domain) in (${domain}::text, ${`www.${domain}`}::text)`);
  if (lead.company?.trim()) matchers.push(sql<boolean>`lower(a.name) = lower(${lead.company.trim()}::text)`);
  if (matchers.length === 0) return undefined;
  const result = await sql<OwnedAccount>`
    select a.id, a.name, a.domain, a.owner_id,
      case when a.id = ${lead.account_id}::int then 'account'
        when lower(a.domain) in (${domain}::text, ${domain ? `www.${domain}` : null}::text) then 'email_domain'
        else 'company' end as matched_by
    from accounts a
    where a.workspace_id = ${workspaceId} and a.owner_id is not null and (${sql.join(matchers, sql` or `)})
    order by case when a.id = ${lead.account_id}::int then 0
      when lower(a.domain) in (${domain}::text, ${domain ? `www.${domain}` : null}::text) then 1 else 2 end, a.id
    limit 1`.execute(db);
  return result.rows[0];
}

export interface MemberAvailability {
  id: number;
  name: string;
  team_id: number | null;
  status: UserStatus;
  capacity: number | null;
  open_leads: number;
}

/** Leads a user owns that count against capacity: handed off and not yet converted or closed. */
const openLeadsSql = (userIdColumn: string, workspaceId: number) => sql<number>`(
  select count(*)::int from leads ol
  where ol.workspace_id = ${workspaceId} and ol.owner_id = ${sql.ref(userIdColumn)}
    and ol.stage in ('mql', 'sal', 'sql'))`;

/** Reps (sales and sdr roles) of the teams with what decides whether they can take a lead. */
export async function findTeamMembers(
  db: Kysely<DB>,
  workspaceId: number,
  teamIds: readonly number[],
): Promise<(MemberAvailability & { team_id: number })[]> {
  if (teamIds.length === 0) return [];
  const rows = await db
    .selectFrom('users as u')
    .select(['u.id', 'u.name', 'u.team_id', 'u.status', 'u.capacity'])
    .select(openLeadsSql('u.id', workspaceId).as('open_leads'))
    .where('u.workspace_id', '=', workspaceId)
    .where('u.team_id', 'in', [...teamIds])
    .where('u.role', 'in', ['sales', 'sdr'])
    .orderBy('u.id')
    .execute();
  return rows as (MemberAvailability & { team_id: number })[];
}

export async function getUserAvailability(
  db: Kysely<DB>,
  workspaceId: number,
  userId: number,
): Promise<MemberAvailability | undefined> {
  return db
    .selectFrom('users as u')
    .select(['u.id', 'u.name', 'u.team_id', 'u.status', 'u.capacity'])
    .select(openLeadsSql('u.id', workspaceId).as('open_leads'))
    .where('u.workspace_id', '=', workspaceId)
    .where('u.id', '=', userId)
    .executeTakeFirst();
}

/**
 * The team's round-robin position, locked until the transaction ends. One statement creates
 * the row on first use or takes the existing row's lock (on conflict do update locks it), so
 * concurrent routers of a team queue up here.
 */
export async function lockCursor(db: Kysely<DB>, workspaceId: number, teamId: number): Promise<number> {
  const result = await sql<{ position: number }>`
    insert into routing_cursors (workspace_id, team_id, position) values (${workspaceId}, ${teamId}, 0)
    on conflict (workspace_id, team_id) do update set position = routing_cursors.position
    returning position`.execute(db);
  return Number(result.rows[0]?.position ?? 0);
}

export async function setCursor(
  db: Kysely<DB>,
  workspaceId: number,
  teamId: number,
  position: number,
): Promise<void> {
  await db
    .updateTable('routing_cursors')
    .set({ position })
    .where('workspace_id', '=', workspaceId)
    .where('team_id', '=', teamId)
    .execute();
}

/** Inserts assignments in one statement; rows come back in input order. */
export async function insertAssignments(
  db: Kysely<DB>,
  rows: readonly Omit<LeadAssignmentRow, 'id' | 'created_at'>[],
): Promise<LeadAssignmentRow[]> {
  return bulkInsert<Omit<LeadAssignmentRow, 'id' | 'created_at'>, LeadAssignmentRow>(
    db,
    'lead_assignments',
    rows,
    [
      { name: 'workspace_id', type: 'int4', value: (row) => row.workspace_id },
      { name: 'lead_id', type: 'int4', value: (row) => row.lead_id },
      { name: 'user_id', type: 'int4', value: (row) => row.user_id },
      { name: 'previous_owner_id', type: 'int4', value: (row) => row.previous_owner_id },
      { name: 'rule_id', type: 'int4', value: (row) => row.rule_id },
      { name: 'rule_name', type: 'text', value: (row) => row.rule_name },
      { name: 'team_id', type: 'int4', value: (row) => row.team_id },
      { name: 'reason', type: 'text', value: (row) => row.reason },
      { name: 'assigned_at', type: 'timestamptz', value: (row) => row.assigned_at },
    ],
    [
      'id',
      'workspace_id',
      'lead_id',
      'user_id',
      'previous_owner_id',
      'rule_id',
      'rule_name',
      'team_id',
      'reason',
      'assigned_at',
      'created_at',
    ],
  );
}

export async function findAssignments(
  db: Kysely<DB>,
  workspaceId: number,
  leadId: number,
): Promise<LeadAssignmentRow[]> {
  return db
    .selectFrom('lead_assignments')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('lead_id', '=', leadId)
    .orderBy('assigned_at')
    .orderBy('id')
    .execute();
}

export async function teamExists(db: Kysely<DB>, workspaceId: number, ids: number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('teams')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', ids)
    .execute();
  return new Set(rows.map((row) => row.id));
}

export async function usersExist(db: Kysely<DB>, workspaceId: number, ids: number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('users')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', ids)
    .execute();
  return new Set(rows.map((row) => row.id));
}
