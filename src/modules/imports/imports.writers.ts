import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Role } from '../../db/tables/foundation.ts';
import {
  type EventKind,
  type HistoryPlan,
  isHistoryProblem,
  planExistingLeadHistory,
  planNewLeadHistory,
} from './history.ts';
import * as repository from './imports.repository.ts';
import type { ResourceCounts, ResourceName } from './imports.ts';
import {
  type AccountRecord,
  type ActivityRecord,
  type CampaignRecord,
  type KeyRef,
  LEAD_TEXT_COLUMNS,
  type LeadRecord,
  type LeadRef,
  type OpportunityRecord,
  type ProductRecord,
  type RecordTypes,
  type TouchpointRecord,
  type UserRecord,
  type UserRef,
} from './records.ts';
import { normalisedKey, slugOf } from './values.ts';

/**
 * One writer per resource: given the valid records of a chunk, resolve their references
 * set-based, refuse the ones that point at nothing, and write the rest with set-based
 * upserts, all inside the chunk's transaction. Checks come before writes, so a refused
 * record normally leaves nothing behind; a writer that can only find a problem after
 * writing says so (rejectedAfterWrite) and the engine rolls the chunk back and runs it
 * again without that row.
 */

export interface WriteContext {
  /** The chunk's transaction. */
  db: Kysely<DB>;
  workspaceId: number;
  actorId: number | null;
  now: number;
  /** "leads.csv line 12", for lifecycle event reasons. */
  describe(unit: number): string;
  /** Records created because rows referred to them (placeholder users, teams, accounts by name). */
  referenced(resource: ResourceName, ids: readonly number[]): void;
  /** Whether this chunk created the record. */
  isNew(resource: ResourceName, id: number): boolean;
  /** Lead ids already resolved during this import. */
  leadKeys: LeadKeyCache;
}

export interface Item<T> {
  unit: number;
  record: T;
  mustExist?: boolean;
}

export interface ItemRejection {
  unit: number;
  field: string;
  message: string;
}

export interface WriteOutcome extends ResourceCounts {
  rejected: ItemRejection[];
  /** True when a rejection was found after rows were written: the chunk must be redone. */
  rejectedAfterWrite?: boolean;
}

export type Writer<R extends ResourceName> = (
  ctx: WriteContext,
  items: Item<RecordTypes[R]>[],
) => Promise<WriteOutcome>;

function quoted(value: string): string {
  return JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------
// users referenced by owner_*, actor_*, manager_*, qualifier_*: created inactive when unknown

/** Where a placeholder user's email comes from when the file names them another way. */
export function placeholderEmail(ref: UserRef): string {
  return `${slugOf(ref.externalId ?? ref.name ?? 'user')}@import.invalid`;
}

const ROLE_PRIORITY: Role[] = ['sales', 'sdr', 'marketing', 'executive', 'admin'];

class UserDirectory {
  private readonly byExternal = new Map<string, number>();
  private readonly byEmail = new Map<string, number>();
  private readonly byName = new Map<string, number>();

  add(row: { id: number; external_id: string | null; email: string; name: string }): void {
    if (row.external_id && !this.byExternal.has(row.external_id))
      this.byExternal.set(row.external_id, row.id);
    const email = row.email.toLowerCase();
    if (!this.byEmail.has(email)) this.byEmail.set(email, row.id);
    const name = row.name.toLowerCase();
    if (!this.byName.has(name)) this.byName.set(name, row.id);
  }

  find(ref: UserRef): number | undefined {
    if (ref.externalId !== undefined) {
      const found = this.byExternal.get(ref.externalId);
      if (found !== undefined) return found;
    }
    if (ref.email !== undefined) {
      const found = this.byEmail.get(ref.email.toLowerCase());
      if (found !== undefined) return found;
    }
    if (ref.name !== undefined && ref.externalId === undefined && ref.email === undefined) {
      const found = this.byName.get(ref.name.toLowerCase());
      if (found !== undefined) return found;
    }
    if (ref.email === undefined) return this.byEmail.get(placeholderEmail(ref));
    return undefined;
  }
}

/** Resolves user references, creating the unknown ones as inactive users with the role they act in. */
async function resolveUsers(ctx: WriteContext, refs: { ref: UserRef; role: Role }[]): Promise<UserDirectory> {
  const directory = new UserDirectory();
  if (refs.length === 0) return directory;
  const externalIds: string[] = [];
  const emails: string[] = [];
  const names: string[] = [];
  for (const { ref } of refs) {
    if (ref.externalId !== undefined) externalIds.push(ref.externalId);
    if (ref.email !== undefined) emails.push(ref.email);
    else emails.push(placeholderEmail(ref));
    if (ref.name !== undefined) names.push(ref.name);
  }
  const rows = await repository.findUsersByKeys(ctx.db, ctx.workspaceId, { externalIds, emails, names });
  for (const row of rows) directory.add(row);
  const missing = new Map<string, repository.NewUserRow>();
  const missingByExternal = new Map<string, repository.NewUserRow>();
  for (const { ref, role } of refs) {
    if (directory.find(ref) !== undefined) continue;
    const email = (ref.email ?? placeholderEmail(ref)).toLowerCase();
    const previous =
      missing.get(email) ?? (ref.externalId ? missingByExternal.get(ref.externalId) : undefined);
    if (previous) {
      if (ROLE_PRIORITY.indexOf(role) < ROLE_PRIORITY.indexOf(previous.role)) previous.role = role;
      continue;
    }
    const row: repository.NewUserRow = {
      external_id: ref.externalId ?? null,
      email,
      name: ref.name ?? ref.email ?? ref.externalId ?? email,
      role,
      status: 'inactive',
      team_id: null,
      capacity: null,
      created_at: undefined,
    };
    missing.set(email, row);
    if (ref.externalId) missingByExternal.set(ref.externalId, row);
  }
  if (missing.size > 0) {
    const created = [...missing.values()];
    const ids = await repository.insertUsers(ctx.db, ctx.workspaceId, created);
    for (const [index, row] of created.entries()) directory.add({ ...row, id: ids[index] as number });
    ctx.referenced('users', ids);
  }
  return directory;
}

async function resolveTeams(ctx: WriteContext, names: string[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  if (names.length === 0) return ids;
  for (const row of await repository.findTeamsByNames(ctx.db, ctx.workspaceId, names)) {
    if (!ids.has(row.name.toLowerCase())) ids.set(row.name.toLowerCase(), row.id);
  }
  const missing = new Map<string, string>();
  for (const name of names) if (!ids.has(name.toLowerCase())) missing.set(name.toLowerCase(), name);
  if (missing.size > 0) {
    const created = [...missing.values()];
    const newIds = await repository.insertTeams(ctx.db, ctx.workspaceId, created);
    for (const [index, name] of created.entries()) ids.set(name.toLowerCase(), newIds[index] as number);
    ctx.referenced('teams', newIds);
  }
  return ids;
}

// ---------------------------------------------------------------------------------------
// accounts and campaigns referenced by external_id (must exist) or name

class NamedDirectory {
  readonly byExternal = new Map<string, number>();
  readonly byName = new Map<string, number>();

  add(row: { id: number; external_id: string | null; name: string }): void {
    if (row.external_id && !this.byExternal.has(row.external_id))
      this.byExternal.set(row.external_id, row.id);
    const name = row.name.toLowerCase();
    if (!this.byName.has(name)) this.byName.set(name, row.id);
  }

  find(ref: KeyRef): number | undefined {
    if (ref.externalId !== undefined) return this.byExternal.get(ref.externalId);
    if (ref.name !== undefined) return this.byName.get(ref.name.toLowerCase());
    return undefined;
  }
}

async function lookupNamed(
  ctx: WriteContext,
  table: 'accounts' | 'campaigns',
  refs: (KeyRef | undefined)[],
): Promise<NamedDirectory> {
  const directory = new NamedDirectory();
  const externalIds: string[] = [];
  const names: string[] = [];
  for (const ref of refs) {
    if (!ref) continue;
    if (ref.externalId !== undefined) externalIds.push(ref.externalId);
    else if (ref.name !== undefined) names.push(ref.name);
  }
  for (const row of await repository.findNamedByKeys(ctx.db, table, ctx.workspaceId, {
    externalIds,
    names,
  })) {
    directory.add(row);
  }
  return directory;
}

/** Accounts named (not by external_id) and not found are created with just their name. */
async function createNamedAccounts(
  ctx: WriteContext,
  directory: NamedDirectory,
  refs: (KeyRef | undefined)[],
) {
  const missing = new Map<string, string>();
  for (const ref of refs) {
    if (!ref || ref.externalId !== undefined || ref.name === undefined) continue;
    if (directory.find(ref) === undefined) missing.set(ref.name.toLowerCase(), ref.name);
  }
  if (missing.size === 0) return 0;
  const rows = [...missing.values()].map(
    (name): repository.AccountWriteRow => ({
      external_id: null,
      name,
      domain: null,
      industry: null,
      employees: null,
      annual_revenue: null,
      country: null,
      region: null,
      owner_id: null,
      created_at: ctx.now,
      custom_fields: null,
    }),
  );
  const ids = await repository.insertAccounts(ctx.db, ctx.workspaceId, rows);
  for (const [index, row] of rows.entries()) {
    directory.add({ id: ids[index] as number, external_id: null, name: row.name });
  }
  ctx.referenced('accounts', ids);
  return rows.length;
}

/**
 * Existing accounts or campaigns the rows of a file are: by external_id, else by name. A row
 * with an external_id that matches none adopts a same-named record that has no external_id
 * yet (one created by name from a lead or deal file), instead of creating a twin.
 */
async function matchNamed(
  ctx: WriteContext,
  table: 'accounts' | 'campaigns',
  items: Item<{ externalId?: string; name: string }>[],
) {
  const rows = await repository.findNamedByKeys(ctx.db, table, ctx.workspaceId, {
    externalIds: items.flatMap((item) => (item.record.externalId ? [item.record.externalId] : [])),
    names: items.map((item) => item.record.name),
  });
  const byExternal = new Map<string, number>();
  const byName = new Map<string, number>();
  const unclaimedByName = new Map<string, number>();
  for (const row of rows) {
    if (row.external_id && !byExternal.has(row.external_id)) byExternal.set(row.external_id, row.id);
    const name = row.name.toLowerCase();
    if (!byName.has(name)) byName.set(name, row.id);
    if (!row.external_id && !unclaimedByName.has(name)) unclaimedByName.set(name, row.id);
  }
  const matchOf = (record: { externalId?: string; name: string }) => {
    const name = record.name.toLowerCase();
    if (record.externalId === undefined) return byName.get(name);
    const found = byExternal.get(record.externalId);
    if (found !== undefined) return found;
    const adopted = unclaimedByName.get(name);
    unclaimedByName.delete(name);
    return adopted;
  };
  return { matchOf };
}

function unknownNamed(
  kind: string,
  externalField: string,
  nameField: string,
  ref: KeyRef,
): { field: string; message: string } {
  return ref.externalId !== undefined
    ? { field: externalField, message: `no ${kind} with external_id ${quoted(ref.externalId)}` }
    : { field: nameField, message: `no ${kind} named ${quoted(ref.name ?? '')}` };
}

// ---------------------------------------------------------------------------------------
// leads referenced by lead_external_id or email (must exist)

class LeadDirectory {
  readonly byExternal = new Map<string, number>();
  readonly byEmail = new Map<string, number>();

  add(row: { id: number; external_id: string | null; email: string | null }): void {
    if (row.external_id) this.byExternal.set(row.external_id, row.id);
    if (row.email) this.byEmail.set(row.email.toLowerCase(), row.id);
  }

  find(ref: LeadRef): number | undefined {
    if (ref.externalId !== undefined) return this.byExternal.get(ref.externalId);
    if (ref.email !== undefined) return this.byEmail.get(ref.email);
    return undefined;
  }
}

/**
 * Lead ids by key, kept for the whole import: a million touchpoints of ten thousand leads
 * look each lead up once, not once per chunk. The leads writer empties it (ids and emails
 * may change); a lead deleted meanwhile makes the chunk fail on its foreign key, and the
 * engine empties the cache and runs the chunk again.
 */
export class LeadKeyCache {
  private readonly ids = new Map<string, number>();
  static readonly LIMIT = 500_000;

  get(key: string): number | undefined {
    return this.ids.get(key);
  }

  set(key: string, id: number): void {
    if (this.ids.size >= LeadKeyCache.LIMIT) this.ids.clear();
    this.ids.set(key, id);
  }

  clear(): void {
    this.ids.clear();
  }
}

async function lookupLeads(ctx: WriteContext, refs: (LeadRef | undefined)[]): Promise<LeadDirectory> {
  const directory = new LeadDirectory();
  const externalIds = new Set<string>();
  const emails = new Set<string>();
  for (const ref of refs) {
    if (!ref) continue;
    if (ref.externalId !== undefined) {
      const cached = ctx.leadKeys.get(`x:${ref.externalId}`);
      if (cached !== undefined) directory.byExternal.set(ref.externalId, cached);
      else externalIds.add(ref.externalId);
    } else if (ref.email !== undefined) {
      const cached = ctx.leadKeys.get(`e:${ref.email}`);
      if (cached !== undefined) directory.byEmail.set(ref.email, cached);
      else emails.add(ref.email);
    }
  }
  if (externalIds.size + emails.size === 0) return directory;
  const rows = await repository.findLeadsByKeys(ctx.db, ctx.workspaceId, {
    externalIds: [...externalIds],
    emails: [...emails],
  });
  for (const row of rows) {
    directory.add(row);
    if (row.external_id) ctx.leadKeys.set(`x:${row.external_id}`, row.id);
    if (row.email) ctx.leadKeys.set(`e:${row.email.toLowerCase()}`, row.id);
  }
  return directory;
}

function unknownLead(
  ref: LeadRef,
  externalField: string,
  emailField: string,
): { field: string; message: string } {
  return ref.externalId !== undefined
    ? { field: externalField, message: `no lead with external_id ${quoted(ref.externalId)}` }
    : { field: emailField, message: `no lead with email ${quoted(ref.email ?? '')}` };
}

// ---------------------------------------------------------------------------------------
// the writers

/** Separates rows into those matching an existing record and new ones. */
function partition<T>(items: Item<T>[], idOf: (item: Item<T>) => number | undefined) {
  const existing: { item: Item<T>; id: number }[] = [];
  const fresh: Item<T>[] = [];
  for (const item of items) {
    const id = idOf(item);
    if (id === undefined) fresh.push(item);
    else existing.push({ item, id });
  }
  return { existing, fresh };
}

function nullable<T>(value: T | undefined): T | null {
  return value === undefined ? null : value;
}

const writeUsers: Writer<'users'> = async (ctx, items) => {
  const rejected: ItemRejection[] = [];
  const found = await repository.findUsersByKeys(ctx.db, ctx.workspaceId, {
    externalIds: items.flatMap((item) => (item.record.externalId ? [item.record.externalId] : [])),
    emails: items.map((item) => item.record.email),
    names: [],
  });
  const byExternal = new Map(
    found.filter((row) => row.external_id).map((row) => [row.external_id as string, row]),
  );
  const byEmail = new Map(found.map((row) => [row.email, row]));
  const valid: Item<UserRecord>[] = [];
  const matchOf = new Map<Item<UserRecord>, number>();
  for (const item of items) {
    const { externalId, email } = item.record;
    const viaExternal = externalId ? byExternal.get(externalId) : undefined;
    const viaEmail = byEmail.get(email);
    if (viaExternal && viaEmail && viaExternal.id !== viaEmail.id) {
      rejected.push({ unit: item.unit, field: 'email', message: `${quoted(email)} belongs to another user` });
      continue;
    }
    if (
      !viaExternal &&
      viaEmail &&
      externalId &&
      viaEmail.external_id &&
      viaEmail.external_id !== externalId
    ) {
      rejected.push({
        unit: item.unit,
        field: 'email',
        message: `${quoted(email)} belongs to the user with external_id ${quoted(viaEmail.external_id)}`,
      });
      continue;
    }
    const match = viaExternal ?? viaEmail;
    if (match) matchOf.set(item, match.id);
    valid.push(item);
  }
  const teams = await resolveTeams(
    ctx,
    valid.flatMap((item) => (item.record.team ? [item.record.team] : [])),
  );
  const { existing, fresh } = partition(valid, (item) => matchOf.get(item));
  const rowOf = (record: UserRecord) => ({
    external_id: nullable(record.externalId),
    email: record.email,
    name: record.name,
    role: record.role,
    team_id: record.team ? (teams.get(record.team.toLowerCase()) ?? null) : null,
    capacity: nullable(record.capacity),
  });
  const newIds = await repository.insertUsers(
    ctx.db,
    ctx.workspaceId,
    fresh.map((item) => ({
      ...rowOf(item.record),
      status: item.record.status ?? 'active',
      created_at: item.record.createdAt,
    })),
  );
  await repository.updateUsers(
    ctx.db,
    ctx.workspaceId,
    existing.map(({ item, id }) => ({ ...rowOf(item.record), id, status: nullable(item.record.status) })),
  );
  const idOf = new Map<Item<UserRecord>, number>();
  for (const [index, item] of fresh.entries()) idOf.set(item, newIds[index] as number);
  for (const { item, id } of existing) idOf.set(item, id);
  const withManager = valid.filter((item) => item.record.manager);
  if (withManager.length > 0) {
    const directory = await resolveUsers(
      ctx,
      withManager.map((item) => ({ ref: item.record.manager as UserRef, role: 'sales' as Role })),
    );
    const managers: { id: number; manager_id: number }[] = [];
    for (const item of withManager) {
      const id = idOf.get(item) as number;
      const managerId = directory.find(item.record.manager as UserRef);
      if (managerId !== undefined && managerId !== id) managers.push({ id, manager_id: managerId });
    }
    await repository.setUserManagers(ctx.db, ctx.workspaceId, managers);
  }
  return { created: fresh.length, updated: existing.length, rejected };
};

const writeTeams: Writer<'teams'> = async (ctx, items) => {
  const names = items.map((item) => item.record.name);
  const teams = await resolveTeams(ctx, names);
  const withManager = items.filter((item) => item.record.manager);
  const directory = await resolveUsers(
    ctx,
    withManager.map((item) => ({ ref: item.record.manager as UserRef, role: 'sales' as Role })),
  );
  await repository.setTeamManagers(
    ctx.db,
    ctx.workspaceId,
    withManager.map((item) => ({
      id: teams.get(item.record.name.toLowerCase()) as number,
      manager_id: nullable(directory.find(item.record.manager as UserRef)),
    })),
  );
  // Teams new to the workspace were counted as created when resolved (here or by a user row).
  const updated = items.filter(
    (item) => !ctx.isNew('teams', teams.get(item.record.name.toLowerCase()) as number),
  ).length;
  return { created: 0, updated, rejected: [] };
};

const writeAccounts: Writer<'accounts'> = async (ctx, items) => {
  const { matchOf } = await matchNamed(ctx, 'accounts', items);
  const owners = await resolveUsers(
    ctx,
    items.flatMap((item) => (item.record.owner ? [{ ref: item.record.owner, role: 'sales' as Role }] : [])),
  );
  const rowOf = (record: AccountRecord): repository.AccountWriteRow => ({
    external_id: nullable(record.externalId),
    name: record.name,
    domain: nullable(record.domain),
    industry: nullable(record.industry),
    employees: nullable(record.employees),
    annual_revenue: nullable(record.annualRevenue),
    country: nullable(record.country),
    region: nullable(record.region),
    owner_id: record.owner ? nullable(owners.find(record.owner)) : null,
    created_at: record.createdAt,
    custom_fields: nullable(record.custom),
  });
  const { existing, fresh } = partition(items, (item) => matchOf(item.record));
  const newIds = await repository.insertAccounts(
    ctx.db,
    ctx.workspaceId,
    fresh.map((item) => rowOf(item.record)),
  );
  await repository.updateAccounts(
    ctx.db,
    ctx.workspaceId,
    existing.map(({ item, id }) => ({ ...rowOf(item.record), id })),
  );
  const idOf = new Map<Item<AccountRecord>, number>();
  for (const [index, item] of fresh.entries()) idOf.set(item, newIds[index] as number);
  for (const { item, id } of existing) idOf.set(item, id);
  // Parents resolve after the chunk's accounts exist: a subsidiary may come before its parent.
  const withParent = items.filter((item) => item.record.parent);
  const rejected: ItemRejection[] = [];
  if (withParent.length > 0) {
    const parents = await lookupNamed(
      ctx,
      'accounts',
      withParent.map((item) => item.record.parent),
    );
    await createNamedAccounts(
      ctx,
      parents,
      withParent.map((item) => item.record.parent),
    );
    const links: { id: number; parent_id: number }[] = [];
    for (const item of withParent) {
      const parent = item.record.parent as KeyRef;
      const parentId = parents.find(parent);
      if (parentId === undefined) {
        rejected.push({
          unit: item.unit,
          ...unknownNamed('account', 'parent_account_external_id', 'parent_account_name', parent),
        });
        continue;
      }
      const id = idOf.get(item) as number;
      if (parentId === id) {
        rejected.push({
          unit: item.unit,
          field: 'parent_account_external_id',
          message: 'an account cannot be its own parent',
        });
        continue;
      }
      links.push({ id, parent_id: parentId });
    }
    await repository.setParents(ctx.db, 'accounts', ctx.workspaceId, links);
  }
  return {
    created: fresh.length,
    updated: existing.length,
    rejected,
    ...(rejected.length ? { rejectedAfterWrite: true } : {}),
  };
};

const writeProducts: Writer<'products'> = async (ctx, items) => {
  const catalogue = await repository.findProducts(ctx.db, ctx.workspaceId);
  const byExternal = new Map<string, number>();
  const byKey = new Map<string, number>();
  for (const row of catalogue) {
    if (row.external_id) byExternal.set(row.external_id, row.id);
    if (!byKey.has(normalisedKey(row.name))) byKey.set(normalisedKey(row.name), row.id);
  }
  const matchOf = (record: ProductRecord) =>
    (record.externalId !== undefined ? byExternal.get(record.externalId) : undefined) ??
    byKey.get(normalisedKey(record.name));
  const { existing, fresh } = partition(items, (item) => matchOf(item.record));
  const rowOf = (record: ProductRecord): repository.ProductWriteRow => ({
    external_id: nullable(record.externalId),
    name: record.name,
    series: nullable(record.series),
    price: nullable(record.price),
  });
  await repository.insertProducts(
    ctx.db,
    ctx.workspaceId,
    fresh.map((item) => rowOf(item.record)),
  );
  await repository.updateProducts(
    ctx.db,
    ctx.workspaceId,
    existing.map(({ item, id }) => ({ ...rowOf(item.record), id })),
  );
  return { created: fresh.length, updated: existing.length, rejected: [] };
};

const writeCampaigns: Writer<'campaigns'> = async (ctx, items) => {
  const { matchOf } = await matchNamed(ctx, 'campaigns', items);
  const owners = await resolveUsers(
    ctx,
    items.flatMap((item) =>
      item.record.owner ? [{ ref: item.record.owner, role: 'marketing' as Role }] : [],
    ),
  );
  const rowOf = (record: CampaignRecord): repository.CampaignWriteRow => ({
    external_id: nullable(record.externalId),
    name: record.name,
    channel: record.channel,
    type: nullable(record.type),
    status: nullable(record.status),
    cost: nullable(record.cost),
    budget: nullable(record.budget),
    start_date: nullable(record.startDate),
    end_date: nullable(record.endDate),
    owner_id: record.owner ? nullable(owners.find(record.owner)) : null,
    created_at: record.createdAt,
  });
  const { existing, fresh } = partition(items, (item) => matchOf(item.record));
  const newIds = await repository.insertCampaigns(
    ctx.db,
    ctx.workspaceId,
    fresh.map((item) => rowOf(item.record)),
  );
  await repository.updateCampaigns(
    ctx.db,
    ctx.workspaceId,
    existing.map(({ item, id }) => ({ ...rowOf(item.record), id })),
  );
  const idOf = new Map<Item<CampaignRecord>, number>();
  for (const [index, item] of fresh.entries()) idOf.set(item, newIds[index] as number);
  for (const { item, id } of existing) idOf.set(item, id);
  const withParent = items.filter((item) => item.record.parent);
  const rejected: ItemRejection[] = [];
  if (withParent.length > 0) {
    const parents = await lookupNamed(
      ctx,
      'campaigns',
      withParent.map((item) => item.record.parent),
    );
    const links: { id: number; parent_id: number }[] = [];
    for (const item of withParent) {
      const parent = item.record.parent as KeyRef;
      const parentId = parents.find(parent);
      const id = idOf.get(item) as number;
      if (parentId === undefined || parentId === id) {
        rejected.push({
          unit: item.unit,
          ...(parentId === undefined
            ? unknownNamed('campaign', 'parent_campaign_external_id', 'parent_campaign_name', parent)
            : { field: 'parent_campaign_external_id', message: 'a campaign cannot be its own parent' }),
        });
        continue;
      }
      links.push({ id, parent_id: parentId });
    }
    await repository.setParents(ctx.db, 'campaigns', ctx.workspaceId, links);
  }
  return {
    created: fresh.length,
    updated: existing.length,
    rejected,
    ...(rejected.length ? { rejectedAfterWrite: true } : {}),
  };
};

const EVENT_NOTE: Record<EventKind, string> = {
  history: '',
  stage: ' (stage column)',
  're-entry': ' (return from recycled implied by a later stage)',
};

const writeLeads: Writer<'leads'> = async (ctx, items) => {
  ctx.leadKeys.clear();
  const rejected: ItemRejection[] = [];
  const accounts = await lookupNamed(
    ctx,
    'accounts',
    items.map((item) => item.record.account),
  );
  const campaigns = await lookupNamed(
    ctx,
    'campaigns',
    items.map((item) => item.record.firstCampaign),
  );
  const existing = await repository.lockLeadsByKeys(ctx.db, ctx.workspaceId, {
    externalIds: items.flatMap((item) => (item.record.externalId ? [item.record.externalId] : [])),
    emails: items.flatMap((item) => (item.record.email ? [item.record.email] : [])),
  });
  const byExternal = new Map(
    existing.filter((lead) => lead.external_id).map((lead) => [lead.external_id as string, lead]),
  );
  const byEmail = new Map(existing.filter((lead) => lead.email).map((lead) => [lead.email as string, lead]));
  const claimed = new Map<number, number>();

  interface Planned {
    item: Item<LeadRecord>;
    leadId?: number;
    plan: HistoryPlan;
  }
  const planned: Planned[] = [];
  for (const item of items) {
    const { record } = item;
    const reject = (field: string, message: string) => rejected.push({ unit: item.unit, field, message });
    if (record.account?.externalId !== undefined && accounts.find(record.account) === undefined) {
      const problem = unknownNamed('account', 'account_external_id', 'account_name', record.account);
      reject(problem.field, problem.message);
      continue;
    }
    if (record.firstCampaign && campaigns.find(record.firstCampaign) === undefined) {
      const problem = unknownNamed(
        'campaign',
        'first_campaign_external_id',
        'first_campaign_name',
        record.firstCampaign,
      );
      reject(problem.field, problem.message);
      continue;
    }
    const viaExternal = record.externalId ? byExternal.get(record.externalId) : undefined;
    const viaEmail = record.email ? byEmail.get(record.email) : undefined;
    if (viaExternal && viaEmail && viaExternal.id !== viaEmail.id) {
      reject(
        'email',
        `${quoted(record.email ?? '')} belongs to another lead (external_id ${quoted(viaEmail.external_id ?? '')})`,
      );
      continue;
    }
    if (
      !viaExternal &&
      viaEmail &&
      record.externalId &&
      viaEmail.external_id &&
      viaEmail.external_id !== record.externalId
    ) {
      reject(
        'email',
        `${quoted(record.email ?? '')} belongs to the lead with external_id ${quoted(viaEmail.external_id)}, not ${quoted(record.externalId)}`,
      );
      continue;
    }
    const match = viaExternal ?? viaEmail;
    if (!match && item.mustExist) {
      reject(
        record.externalId !== undefined ? 'external_id' : 'email',
        `no lead with ${record.externalId !== undefined ? `external_id ${quoted(record.externalId)}` : `email ${quoted(record.email ?? '')}`}`,
      );
      continue;
    }
    if (match) {
      const previous = claimed.get(match.id);
      if (previous !== undefined) {
        reject('email', `matches the same lead as ${ctx.describe(previous)}`);
        continue;
      }
      claimed.set(match.id, item.unit);
      const plan = planExistingLeadHistory(
        { stage: match.stage, stamps: match.stamps },
        { stage: record.stage, history: record.history, now: ctx.now },
      );
      if (isHistoryProblem(plan)) {
        reject(plan.field, plan.message);
        continue;
      }
      planned.push({ item, leadId: match.id, plan });
    } else {
      const plan = planNewLeadHistory({
        stage: record.stage,
        history: record.history,
        createdAt: record.createdAt,
        now: ctx.now,
      });
      if (isHistoryProblem(plan)) {
        reject(plan.field, plan.message);
        continue;
      }
      planned.push({ item, plan });
    }
  }

  await createNamedAccounts(
    ctx,
    accounts,
    planned.map((entry) => entry.item.record.account),
  );
  const owners = await resolveUsers(
    ctx,
    planned.flatMap((entry) =>
      entry.item.record.owner ? [{ ref: entry.item.record.owner, role: 'sales' as Role }] : [],
    ),
  );
  const rowOf = (entry: Planned): repository.LeadWriteRow => {
    const { record } = entry.item;
    const isNew = entry.leadId === undefined;
    return {
      ...(entry.leadId !== undefined ? { id: entry.leadId } : {}),
      external_id: nullable(record.externalId),
      email: nullable(record.email),
      text: record.text,
      account_id: record.account ? nullable(accounts.find(record.account)) : null,
      employees: nullable(record.employees),
      first_campaign_id: record.firstCampaign ? nullable(campaigns.find(record.firstCampaign)) : null,
      stage: isNew || entry.plan.events.length > 0 ? entry.plan.stage : null,
      temperature: nullable(record.temperature),
      owner_id: record.owner ? nullable(owners.find(record.owner)) : null,
      fit_score: nullable(record.fitScore),
      engagement_score: nullable(record.engagementScore),
      custom_fields: nullable(record.custom),
      created_at: isNew ? (record.createdAt ?? earliestOf(entry.plan) ?? ctx.now) : undefined,
      stamps: entry.plan.stamps,
    };
  };
  const fresh = planned.filter((entry) => entry.leadId === undefined);
  const matched = planned.filter((entry) => entry.leadId !== undefined);
  const newIds = await repository.insertLeads(ctx.db, ctx.workspaceId, fresh.map(rowOf), LEAD_TEXT_COLUMNS);
  fresh.forEach((entry, index) => {
    entry.leadId = newIds[index];
  });
  await repository.updateLeads(ctx.db, ctx.workspaceId, matched.map(rowOf), LEAD_TEXT_COLUMNS);
  const events: repository.EventWriteRow[] = [];
  for (const entry of planned) {
    for (const event of entry.plan.events) {
      events.push({
        lead_id: entry.leadId as number,
        from_stage: event.from,
        to_stage: event.to,
        occurred_at: event.at,
        reason: `Imported from ${ctx.describe(entry.item.unit)}${EVENT_NOTE[event.kind]}`,
      });
    }
  }
  await repository.insertLifecycleEvents(ctx.db, ctx.workspaceId, ctx.actorId, events);
  return { created: fresh.length, updated: matched.length, rejected };
};

function earliestOf(plan: HistoryPlan): number | undefined {
  let min: number | undefined;
  for (const at of Object.values(plan.stamps) as (number | undefined)[]) {
    if (at !== undefined && (min === undefined || at < min)) min = at;
  }
  return min;
}

const writeOpportunities: Writer<'opportunities'> = async (ctx, items) => {
  const rejected: ItemRejection[] = [];
  const accounts = await lookupNamed(
    ctx,
    'accounts',
    items.map((item) => item.record.account),
  );
  const leads = await lookupLeads(
    ctx,
    items.flatMap((item) => [item.record.lead, ...item.record.contacts]),
  );
  const catalogue = items.some((item) => item.record.product)
    ? await repository.findProducts(ctx.db, ctx.workspaceId)
    : [];
  const productByExternal = new Map(
    catalogue.filter((row) => row.external_id).map((row) => [row.external_id as string, row.id]),
  );
  const productByKey = new Map<string, number>();
  for (const row of catalogue)
    if (!productByKey.has(normalisedKey(row.name))) productByKey.set(normalisedKey(row.name), row.id);
  const productOf = (ref: KeyRef) =>
    ref.externalId !== undefined
      ? productByExternal.get(ref.externalId)
      : productByKey.get(normalisedKey(ref.name ?? ''));

  const valid: Item<OpportunityRecord>[] = [];
  for (const item of items) {
    const { record } = item;
    const problem =
      record.account?.externalId !== undefined && accounts.find(record.account) === undefined
        ? unknownNamed('account', 'account_external_id', 'account_name', record.account)
        : record.lead && leads.find(record.lead) === undefined
          ? unknownLead(record.lead, 'lead_external_id', 'email')
          : record.product && productOf(record.product) === undefined
            ? record.product.externalId !== undefined
              ? {
                  field: 'product_external_id',
                  message: `no product with external_id ${quoted(record.product.externalId)}`,
                }
              : {
                  field: 'product',
                  message: `no product named ${quoted(record.product.name ?? '')} (compared ignoring case, spaces and punctuation)`,
                }
            : undefined;
    const missingContact = record.contacts.find((contact) => leads.find(contact) === undefined);
    if (problem) rejected.push({ unit: item.unit, ...problem });
    else if (missingContact) {
      rejected.push({
        unit: item.unit,
        ...unknownLead(missingContact, 'contact_external_ids', 'contact_emails'),
      });
    } else valid.push(item);
  }
  const byExternal = new Map(
    (
      await repository.findOpportunitiesByExternalIds(
        ctx.db,
        ctx.workspaceId,
        valid.flatMap((item) => (item.record.externalId ? [item.record.externalId] : [])),
      )
    ).map((row) => [row.external_id, row.id]),
  );
  const accountIdOf = (record: OpportunityRecord) =>
    record.account ? nullable(accounts.find(record.account)) : null;
  const byName = new Map<string, number>();
  const unnamed = valid.filter((item) => !item.record.externalId);
  for (const row of await repository.findOpportunitiesByNames(
    ctx.db,
    ctx.workspaceId,
    unnamed.map((item) => ({ name: item.record.name, account_id: accountIdOf(item.record) })),
  )) {
    const key = `${row.name}|${row.account_id ?? ''}`;
    if (!byName.has(key)) byName.set(key, row.id);
  }
  const matchOf = (record: OpportunityRecord) =>
    record.externalId
      ? byExternal.get(record.externalId)
      : byName.get(`${record.name.toLowerCase()}|${accountIdOf(record) ?? ''}`);

  await createNamedAccounts(
    ctx,
    accounts,
    valid.map((item) => item.record.account),
  );
  const users = await resolveUsers(ctx, [
    ...valid.flatMap((item) =>
      item.record.owner ? [{ ref: item.record.owner, role: 'sales' as Role }] : [],
    ),
    ...valid.flatMap((item) =>
      item.record.qualifier ? [{ ref: item.record.qualifier, role: 'sdr' as Role }] : [],
    ),
  ]);
  const rowOf = (record: OpportunityRecord, isNew: boolean): repository.OpportunityWriteRow => ({
    external_id: nullable(record.externalId),
    name: record.name,
    account_id: accountIdOf(record),
    primary_lead_id: record.lead ? nullable(leads.find(record.lead)) : null,
    owner_id: record.owner ? nullable(users.find(record.owner)) : null,
    qualifier_id: record.qualifier ? nullable(users.find(record.qualifier)) : null,
    product_id: record.product ? nullable(productOf(record.product)) : null,
    amount: nullable(record.amount),
    currency: nullable(record.currency),
    stage: nullable(record.stage),
    status: nullable(record.status),
    created_at: record.createdAt,
    close_date: nullable(record.closeDate),
    // A new deal without a status is open: it has no closing moment.
    closed_at:
      record.status === 'open' || (isNew && record.status === undefined) ? undefined : record.closedAt,
    reason: nullable(record.reason),
    competitor: nullable(record.competitor),
    source: nullable(record.source),
    segment: nullable(record.segment),
    custom_fields: nullable(record.custom),
  });
  const { existing, fresh } = partition(valid, (item) => matchOf(item.record));
  const newIds = await repository.insertOpportunities(
    ctx.db,
    ctx.workspaceId,
    fresh.map((item) => rowOf(item.record, true)),
  );
  await repository.updateOpportunities(
    ctx.db,
    ctx.workspaceId,
    existing.map(({ item, id }) => ({ ...rowOf(item.record, false), id })),
  );
  const contacts: { opportunity_id: number; lead_id: number }[] = [];
  const addContacts = (item: Item<OpportunityRecord>, opportunityId: number) => {
    for (const contact of item.record.contacts) {
      const leadId = leads.find(contact);
      if (leadId !== undefined) contacts.push({ opportunity_id: opportunityId, lead_id: leadId });
    }
  };
  for (const [index, item] of fresh.entries()) addContacts(item, newIds[index] as number);
  for (const { item, id } of existing) addContacts(item, id);
  await repository.insertOpportunityContacts(ctx.db, ctx.workspaceId, contacts);
  return { created: fresh.length, updated: existing.length, rejected };
};

const writeTouchpoints: Writer<'touchpoints'> = async (ctx, items) => {
  const rejected: ItemRejection[] = [];
  const leads = await lookupLeads(
    ctx,
    items.map((item) => item.record.lead),
  );
  const campaignRefs = items.flatMap((item) => (item.record.campaign ? [item.record.campaign] : []));
  const campaigns =
    campaignRefs.length > 0 ? await lookupNamed(ctx, 'campaigns', campaignRefs) : new NamedDirectory();
  const withExternal: repository.TouchpointWriteRow[] = [];
  const withoutExternal: repository.TouchpointWriteRow[] = [];
  for (const item of items) {
    const record: TouchpointRecord = item.record;
    const leadId = leads.find(record.lead);
    if (leadId === undefined) {
      rejected.push({ unit: item.unit, ...unknownLead(record.lead, 'lead_external_id', 'email') });
      continue;
    }
    let campaignId: number | null = null;
    if (record.campaign) {
      const found = campaigns.find(record.campaign);
      if (found === undefined) {
        rejected.push({
          unit: item.unit,
          ...unknownNamed('campaign', 'campaign_external_id', 'campaign', record.campaign),
        });
        continue;
      }
      campaignId = found;
    }
    const row: repository.TouchpointWriteRow = {
      external_id: nullable(record.externalId),
      lead_id: leadId,
      type: record.type,
      occurred_at: new Date(record.occurredAt).toISOString(),
      channel: nullable(record.channel),
      campaign_id: campaignId,
      utm_source: nullable(record.utmSource),
      utm_medium: nullable(record.utmMedium),
      utm_campaign: nullable(record.utmCampaign),
      utm_term: nullable(record.utmTerm),
      utm_content: nullable(record.utmContent),
      content_id: nullable(record.contentId),
      metadata: nullable(record.metadata),
    };
    (record.externalId ? withExternal : withoutExternal).push(row);
  }
  const a = await repository.upsertTouchpointsByExternalId(ctx.db, ctx.workspaceId, withExternal);
  const b = await repository.upsertTouchpointsByNaturalKey(ctx.db, ctx.workspaceId, withoutExternal);
  return { created: a.created + b.created, updated: a.updated + b.updated, rejected };
};

const writeActivities: Writer<'activities'> = async (ctx, items) => {
  const rejected: ItemRejection[] = [];
  const leads = await lookupLeads(
    ctx,
    items.map((item) => item.record.lead),
  );
  const opportunities = new Map(
    (
      await repository.findOpportunitiesByExternalIds(
        ctx.db,
        ctx.workspaceId,
        items.flatMap((item) => (item.record.opportunity ? [item.record.opportunity] : [])),
      )
    ).map((row) => [row.external_id, row.id]),
  );
  const valid: { item: Item<ActivityRecord>; leadId: number | null; opportunityId: number | null }[] = [];
  for (const item of items) {
    const { record } = item;
    const leadId = record.lead ? leads.find(record.lead) : undefined;
    if (record.lead && leadId === undefined) {
      rejected.push({ unit: item.unit, ...unknownLead(record.lead, 'lead_external_id', 'email') });
      continue;
    }
    const opportunityId = record.opportunity ? opportunities.get(record.opportunity) : undefined;
    if (record.opportunity && opportunityId === undefined) {
      rejected.push({
        unit: item.unit,
        field: 'opportunity_external_id',
        message: `no opportunity with external_id ${quoted(record.opportunity)}`,
      });
      continue;
    }
    valid.push({ item, leadId: leadId ?? null, opportunityId: opportunityId ?? null });
  }
  const actors = await resolveUsers(
    ctx,
    valid.flatMap(({ item }) =>
      item.record.actor ? [{ ref: item.record.actor, role: 'sales' as Role }] : [],
    ),
  );
  const withExternal: repository.ActivityWriteRow[] = [];
  const withoutExternal: repository.ActivityWriteRow[] = [];
  for (const { item, leadId, opportunityId } of valid) {
    const { record } = item;
    const row: repository.ActivityWriteRow = {
      external_id: nullable(record.externalId),
      lead_id: leadId,
      opportunity_id: opportunityId,
      type: record.type,
      outcome: nullable(record.outcome),
      notes: nullable(record.notes),
      occurred_at: new Date(record.occurredAt).toISOString(),
      actor_id: record.actor ? nullable(actors.find(record.actor)) : null,
    };
    (record.externalId ? withExternal : withoutExternal).push(row);
  }
  const a = await repository.upsertActivitiesByExternalId(ctx.db, ctx.workspaceId, withExternal);
  const b = await repository.upsertActivitiesByNaturalKey(ctx.db, ctx.workspaceId, withoutExternal);
  return { created: a.created + b.created, updated: a.updated + b.updated, rejected };
};

export const WRITERS: { [R in ResourceName]: Writer<R> } = {
  users: writeUsers,
  teams: writeTeams,
  accounts: writeAccounts,
  products: writeProducts,
  campaigns: writeCampaigns,
  leads: writeLeads,
  opportunities: writeOpportunities,
  touchpoints: writeTouchpoints,
  activities: writeActivities,
};
