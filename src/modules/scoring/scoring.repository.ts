import { type Kysely, type RawBuilder, type Selectable, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Temperature } from '../../db/tables/foundation.ts';
import type { ScoringJobsTable } from '../../db/tables/handoff-scoring.ts';
import { AppError, isUniqueViolation } from '../../shared/errors.ts';
import {
  BLANK_PATTERN,
  type Condition,
  DEFAULT_MODEL,
  type FieldRef,
  NUMERIC_PATTERN,
  resolveField,
  type ScalarValue,
  type ScoringModel,
  type ScoringThresholds,
  type TouchpointFact,
} from './scoring.ts';

export type ScoringJobRow = Selectable<ScoringJobsTable>;

// ---------------------------------------------------------------------------------------
// The scoring model compiled to SQL. Field names come from a fixed list (resolveField) and
// every value, custom-field key and rule parameter travels as a bound parameter.

/** The lead ("l") or account ("a") field as text, or as a number for numeric columns. */
function fieldSql(ref: FieldRef): RawBuilder<unknown> {
  const table = ref.scope === 'lead' ? 'l' : 'a';
  if ('derived' in ref) return sql`split_part(lower(l.email), '@', 2)`;
  if ('customKey' in ref) return sql`(${sql.ref(`${table}.custom_fields`)} ->> ${ref.customKey}::text)`;
  if (ref.column === 'annual_revenue') return sql`trim_scale(a.annual_revenue)`;
  return sql.ref(`${table}.${ref.column}`);
}

function numberSql(ref: FieldRef, field: RawBuilder<unknown>): RawBuilder<unknown> {
  if (ref.kind === 'number') return field;
  return sql`(case when ${field} ~ ${NUMERIC_PATTERN}::text then (${field})::numeric end)`;
}

function emptySql(ref: FieldRef, field: RawBuilder<unknown>): RawBuilder<boolean> {
  if (ref.kind === 'number') return sql<boolean>`(${field} is null)`;
  return sql<boolean>`(${field} is null or ${field} ~ ${BLANK_PATTERN}::text)`;
}

function textOfScalar(value: ScalarValue): string {
  return String(value).toLowerCase();
}

/** One condition as a SQL boolean over l (leads) and a (accounts); null counts as false. */
export function conditionSql(condition: Condition): RawBuilder<boolean> {
  const ref = resolveField(condition.field);
  if (!ref) return sql<boolean>`false`;
  const field = fieldSql(ref);
  const { operator, value } = condition;
  const list = Array.isArray(value)
    ? value
    : value === undefined || typeof value === 'object'
      ? []
      : [value as ScalarValue];
  switch (operator) {
    case 'is_empty':
      return emptySql(ref, field);
    case 'is_not_empty':
      return sql<boolean>`(not ${emptySql(ref, field)})`;
    case 'equals':
    case 'in': {
      const numbers = list.filter((item) => typeof item === 'number' || ref.kind === 'number').map(Number);
      const texts =
        ref.kind === 'number' ? [] : list.filter((item) => typeof item !== 'number').map(textOfScalar);
      const parts: RawBuilder<boolean>[] = [];
      if (texts.length) parts.push(sql<boolean>`lower(${field}) = any(${texts}::text[])`);
      if (numbers.length) parts.push(sql<boolean>`${numberSql(ref, field)} = any(${numbers}::numeric[])`);
      if (parts.length === 0) return sql<boolean>`false`;
      return sql<boolean>`(${sql.join(parts, sql` or `)})`;
    }
    case 'contains':
      return sql<boolean>`(${sql.join(
        list.map((item) => sql`strpos(lower(${field}), ${textOfScalar(item)}::text) > 0`),
        sql` or `,
      )})`;
    case 'ends_with':
      return sql<boolean>`(${sql.join(
        list.map((item) => {
          const needle = textOfScalar(item);
          return sql`right(lower(${field}), length(${needle}::text)) = ${needle}::text`;
        }),
        sql` or `,
      )})`;
    case 'gte':
      return sql<boolean>`(${numberSql(ref, field)} >= ${Number(value)}::numeric)`;
    case 'lte':
      return sql<boolean>`(${numberSql(ref, field)} <= ${Number(value)}::numeric)`;
    case 'range': {
      const range = (value ?? {}) as { min?: number; max?: number };
      const parts: RawBuilder<boolean>[] = [];
      const number = numberSql(ref, field);
      if (range.min !== undefined) parts.push(sql<boolean>`${number} >= ${range.min}::numeric`);
      if (range.max !== undefined) parts.push(sql<boolean>`${number} <= ${range.max}::numeric`);
      if (parts.length === 0) return sql<boolean>`false`;
      return sql<boolean>`(${sql.join(parts, sql` and `)})`;
    }
    default: {
      const unreachable: never = operator;
      return unreachable;
    }
  }
}

/** The fit score of lead l (joined to its account a) as an integer expression. */
export function fitSql(model: ScoringModel): RawBuilder<number> {
  if (model.fit_rules.length === 0) return sql<number>`0`;
  const terms = model.fit_rules.map(
    (rule) => sql`(case when ${conditionSql(rule)} then ${rule.points}::int else 0 end)`,
  );
  return sql<number>`(${sql.join(terms, sql` + `)})`;
}

export function temperatureSql(
  score: RawBuilder<number>,
  thresholds: ScoringThresholds,
): RawBuilder<Temperature> {
  return sql<Temperature>`(case when ${score} >= ${thresholds.hot}::int then 'hot' when ${score} >= ${thresholds.warm}::int then 'warm' else 'cold' end)`;
}

/** Required qualification fields of lead l that are empty, as a text[] of field names. */
export function missingFieldsSql(fields: readonly string[]): RawBuilder<string[]> {
  if (fields.length === 0) return sql<string[]>`array[]::text[]`;
  const items = fields.map((field) => {
    const ref = resolveField(field);
    if (!ref) return sql`${field}::text`;
    return sql`case when ${emptySql(ref, fieldSql(ref))} then ${field}::text end`;
  });
  return sql<string[]>`array_remove(array[${sql.join(items)}]::text[], null)`;
}

/**
 * Whether lead l may become MQL by its score: still before MQL, or recycled and engaged
 * again since its latest recycling (without that, a recycled lead whose score stayed high
 * would bounce straight back to sales).
 */
export function eligibleForMqlSql(): RawBuilder<boolean> {
  return sql<boolean>`(l.stage in ('subscriber', 'lead') or (l.stage = 'recycled' and exists (
    select 1 from touchpoints rt
    where rt.workspace_id = l.workspace_id and rt.lead_id = l.id
      and rt.occurred_at > coalesce(
        (select max(re.occurred_at) from lifecycle_events re
          where re.workspace_id = l.workspace_id and re.lead_id = l.id and re.to_stage = 'recycled'),
        l.recycled_at)
  )))`;
}

/** Which leads a set-based scoring statement covers. */
export type LeadScope = { kind: 'ids'; ids: readonly number[] } | { kind: 'all' };

function scopeSql(scope: LeadScope, column: string): RawBuilder<boolean> {
  if (scope.kind === 'all') return sql<boolean>`true`;
  return sql<boolean>`${sql.ref(column)} = any(${[...scope.ids]}::int4[])`;
}

/**
 * The workspace condition on leads alias `alias` for a scope. For a list of ids it compares
 * `workspace_id + 0`, which no index serves and which the planner does not take for "one
 * row": the ids decide the plan (primary-key lookups), also when the statistics do not
 * know the workspace yet (a new workspace beside a large one, where `workspace_id = $1` is
 * estimated at one row and the plan walks the workspace's index once per lead).
 */
function leadsWorkspaceSql(scope: LeadScope, workspaceId: number, alias: string): RawBuilder<boolean> {
  const column = sql.ref(`${alias}.workspace_id`);
  return scope.kind === 'ids'
    ? sql<boolean>`${column} + 0 = ${workspaceId}`
    : sql<boolean>`${column} = ${workspaceId}`;
}

/**
 * CTEs "eng_rules" .. "eng" giving (lead_id, engagement) for the leads in scope: each
 * matching touchpoint's points decayed by half-life, summed per rule and period, capped per
 * period, rounded per rule (half away from zero), summed per lead. Mirrors engagementForRule.
 */
function engagementCtes(
  model: ScoringModel,
  workspaceId: number,
  scope: LeadScope,
  now: Date,
): RawBuilder<unknown> {
  const rules = model.engagement_rules;
  if (rules.length === 0) {
    return sql`eng as (select null::int as lead_id, 0::int as engagement where false)`;
  }
  const column = <T>(pick: (rule: (typeof rules)[number], index: number) => T) => rules.map(pick);
  // When every rule names a touchpoint type, the join is an equality the planner can hash.
  const typeJoin = rules.every((rule) => rule.type !== undefined)
    ? sql`t.type = r.type`
    : sql`(r.type is null or t.type = r.type)`;
  return sql`eng_rules as materialized (
    select * from unnest(
      ${column((_, index) => index)}::int4[],
      ${column((rule) => rule.type ?? null)}::text[],
      ${column((rule) => rule.channel?.toLowerCase() ?? null)}::text[],
      ${column((rule) => rule.campaign_id ?? null)}::int4[],
      ${column((rule) => rule.points)}::float8[],
      ${column((rule) => rule.cap?.points ?? null)}::float8[],
      ${column((rule) => rule.cap?.days ?? null)}::float8[],
      ${column((rule) => rule.half_life_days ?? null)}::float8[]
    ) as r(idx, type, channel, campaign_id, points, cap_points, cap_days, half_life)
  ),
  eng_touch as (
    select t.lead_id, r.idx, r.cap_points,
      case when r.cap_days is null then 0 else floor(x.age / r.cap_days) end as period,
      r.points * case when r.half_life is null then 1 else power(0.5::float8, x.age / r.half_life) end as points
    from touchpoints t
    join eng_rules r
      on ${typeJoin}
      and (r.channel is null or lower(t.channel) = r.channel)
      and (r.campaign_id is null or t.campaign_id = r.campaign_id)
    cross join lateral (
      select greatest(0::float8, round(date_part('epoch', ${now.toISOString()}::timestamptz - t.occurred_at) * 1000)) / 86400000 as age
    ) x
    where t.workspace_id = ${workspaceId} and ${scopeSql(scope, 't.lead_id')}
  ),
  eng_period as (
    select lead_id, idx,
      case when cap_points is null then sum(points)
        else sign(sum(points)) * least(abs(sum(points)), cap_points) end as points
    from eng_touch
    group by lead_id, idx, period, cap_points
  ),
  eng_rule as (
    select lead_id, idx, round(sum(points)::numeric) as points from eng_period group by lead_id, idx
  ),
  -- Materialized: computed once, whatever join the planner picks for it below.
  eng as materialized (
    select lead_id, sum(points)::int as engagement from eng_rule group by lead_id
  )`;
}

/** Engagement recomputed from the touchpoints, or each lead's stored engagement_score. */
export type EngagementSource = 'recompute' | 'stored';

/** CTE "scored": (id, fit, engagement, score, temperature) of every lead in scope under the model. */
function scoredCtes(
  model: ScoringModel,
  workspaceId: number,
  scope: LeadScope,
  now: Date,
  engagement: EngagementSource = 'recompute',
  /** More columns of l (and a) to carry along, as ", expr as name, ...". */
  extraColumns: RawBuilder<unknown> = sql``,
): RawBuilder<unknown> {
  const score = sql<number>`(s0.fit + s0.engagement)`;
  const recompute = engagement === 'recompute';
  return sql`${recompute ? sql`${engagementCtes(model, workspaceId, scope, now)},` : sql``}
  -- Materialized so the fit expression is evaluated once per lead, not once per reference.
  scored0 as materialized (
    select l.id, (${fitSql(model)})::int as fit,
      ${recompute ? sql`coalesce(e.engagement, 0)::int` : sql`l.engagement_score`} as engagement
      ${extraColumns}
    from leads l
    left join accounts a on a.id = l.account_id and a.workspace_id = l.workspace_id
    ${recompute ? sql`left join eng e on e.lead_id = l.id` : sql``}
    where ${leadsWorkspaceSql(scope, workspaceId, 'l')} and ${scopeSql(scope, 'l.id')}
  ),
  scored as (
    select s0.*, ${score} as score, ${temperatureSql(score, model.thresholds)} as temperature
    from scored0 s0
  )`;
}

/**
 * Recomputes fit and engagement of the leads in scope in one statement and writes the ones
 * that changed (score and temperature). Returns how many changed.
 */
export async function writeScores(
  db: Kysely<DB>,
  workspaceId: number,
  model: ScoringModel,
  scope: LeadScope,
  now: Date,
): Promise<number> {
  if (scope.kind === 'ids' && scope.ids.length === 0) return 0;
  const result = await sql`
    with ${scoredCtes(model, workspaceId, scope, now)}
    update leads l
    set fit_score = s.fit, engagement_score = s.engagement, temperature = s.temperature, updated_at = ${now.toISOString()}::timestamptz
    from scored s
    where ${leadsWorkspaceSql(scope, workspaceId, 'l')} and l.id = s.id
      and (l.fit_score <> s.fit or l.engagement_score <> s.engagement or l.temperature <> s.temperature)`.execute(
    db,
  );
  return Number(result.numAffectedRows ?? 0);
}

/** Locks the leads in id order so concurrent batches touching the same leads cannot deadlock. */
export async function lockLeads(db: Kysely<DB>, workspaceId: number, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`select id from leads where workspace_id = ${workspaceId} and id = any(${[...ids]}::int4[]) order by id for no key update`.execute(
    db,
  );
}

export interface HandoffCandidate {
  id: number;
  score: number;
  /** Required qualification fields the lead lacks. */
  missing: string[];
}

/**
 * Leads in scope at or above the MQL score that may still become MQL by their score, with
 * the qualification fields each one lacks.
 */
export async function findHandoffCandidates(
  db: Kysely<DB>,
  workspaceId: number,
  scope: LeadScope,
  mqlScore: number,
  qualificationFields: readonly string[],
): Promise<HandoffCandidate[]> {
  const result = await sql<HandoffCandidate>`
    select l.id, l.score, ${missingFieldsSql(qualificationFields)} as missing
    from leads l
    where l.workspace_id = ${workspaceId} and ${scopeSql(scope, 'l.id')}
      and l.score >= ${mqlScore}::int and ${eligibleForMqlSql()}
    order by l.id`.execute(db);
  return result.rows;
}

/** Forgets queued leads in scope that no longer wait for qualification (score fell, stage moved on). */
export async function pruneQualificationQueue(
  db: Kysely<DB>,
  workspaceId: number,
  leadIds: readonly number[],
  stillWaiting: readonly number[],
): Promise<void> {
  if (leadIds.length === 0) return;
  await db
    .deleteFrom('qualification_queue')
    .where('workspace_id', '=', workspaceId)
    .where('lead_id', '=', sql<number>`any(${[...leadIds]}::int4[])`)
    .where(sql<boolean>`not (lead_id = any(${[...stillWaiting]}::int4[]))`)
    .execute();
}

export interface PreviewGroup {
  old_temperature: Temperature;
  new_temperature: Temperature;
  leads: number;
  becomes_mql: number;
  needs_qualification: number;
}

export interface PreviewLead {
  id: number;
  email: string | null;
  stage: string;
  old_score: number;
  new_score: number;
  old_temperature: Temperature;
  new_temperature: Temperature;
  missing_fields: string[];
}

export interface PreviewResult {
  groups: PreviewGroup[];
  mql_sample: PreviewLead[];
  temperature_sample: PreviewLead[];
}

/**
 * Scores every lead of the workspace under a draft model in one statement, without writing:
 * counts by (old, new) temperature, who would become MQL (and of those, who would wait for
 * qualification), and samples.
 */
export async function previewModel(
  db: Kysely<DB>,
  workspaceId: number,
  model: ScoringModel,
  qualificationFields: readonly string[],
  now: Date,
  sampleSize: number,
  engagement: EngagementSource = 'recompute',
): Promise<PreviewResult> {
  const lead = sql`json_build_object('id', f.id, 'email', f.email, 'stage', f.stage, 'old_score', f.old_score,
    'new_score', f.new_score, 'old_temperature', f.old_temperature, 'new_temperature', f.new_temperature,
    'missing_fields', f.missing_fields)`;
  const result = await sql<{
    groups: PreviewGroup[] | null;
    mql_sample: PreviewLead[] | null;
    temperature_sample: PreviewLead[] | null;
  }>`
    with ${scoredCtes(
      model,
      workspaceId,
      { kind: 'all' },
      now,
      engagement,
      sql`, l.email, l.stage, l.score as old_score, l.temperature as old_temperature,
        ${eligibleForMqlSql()} as eligible, ${missingFieldsSql(qualificationFields)} as missing_fields`,
    )},
    flags as (
      select s.id, s.email, s.stage, s.old_score, s.score as new_score, s.old_temperature,
        s.temperature as new_temperature, (s.score >= ${model.thresholds.mql}::int and s.eligible) as becomes_mql,
        s.missing_fields
      from scored s
    )
    select
      (select json_agg(g) from (
        select old_temperature, new_temperature, count(*)::int as leads,
          (count(*) filter (where becomes_mql))::int as becomes_mql,
          (count(*) filter (where becomes_mql and cardinality(missing_fields) > 0))::int as needs_qualification
        from flags group by old_temperature, new_temperature
        order by old_temperature, new_temperature) g) as groups,
      (select json_agg(${lead} order by f.new_score desc, f.id) from (
        select * from flags where becomes_mql order by new_score desc, id limit ${sampleSize}) f) as mql_sample,
      (select json_agg(${lead} order by abs(f.new_score - f.old_score) desc, f.id) from (
        select * from flags where new_temperature <> old_temperature
        order by abs(new_score - old_score) desc, id limit ${sampleSize}) f) as temperature_sample`.execute(
    db,
  );
  const row = result.rows[0];
  return {
    groups: row?.groups ?? [],
    mql_sample: row?.mql_sample ?? [],
    temperature_sample: row?.temperature_sample ?? [],
  };
}

// ---------------------------------------------------------------------------------------
// Models

export interface StoredModel {
  version: number;
  definition: ScoringModel;
  created_by: number | null;
  created_at: Date;
}

export async function getCurrentModel(db: Kysely<DB>, workspaceId: number): Promise<StoredModel | undefined> {
  const row = await db
    .selectFrom('scoring_models')
    .select(['version', 'definition', 'created_by', 'created_at'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { ...row, definition: row.definition as ScoringModel } : undefined;
}

/** The workspace's current model, or the default (version 0) before the first save. */
export async function loadCurrentModel(db: Kysely<DB>, workspaceId: number): Promise<StoredModel> {
  return (
    (await getCurrentModel(db, workspaceId)) ?? {
      version: 0,
      definition: DEFAULT_MODEL,
      created_by: null,
      created_at: new Date(0),
    }
  );
}

export async function getModelVersion(
  db: Kysely<DB>,
  workspaceId: number,
  version: number,
): Promise<ScoringModel | undefined> {
  const row = await db
    .selectFrom('scoring_models')
    .select('definition')
    .where('workspace_id', '=', workspaceId)
    .where('version', '=', version)
    .executeTakeFirst();
  return row ? (row.definition as ScoringModel) : undefined;
}

export async function insertModel(
  db: Kysely<DB>,
  workspaceId: number,
  version: number,
  definition: ScoringModel,
  createdBy: number | null,
): Promise<StoredModel> {
  try {
    const row = await db
      .insertInto('scoring_models')
      .values({
        workspace_id: workspaceId,
        version,
        definition: JSON.stringify(definition),
        created_by: createdBy,
      })
      .returning(['version', 'created_by', 'created_at'])
      .executeTakeFirstOrThrow();
    return { ...row, definition };
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError(
        'CONFLICT',
        `Scoring model version ${version} was saved by someone else meanwhile; reload and apply your change again`,
        { issues: [{ path: 'version', message: 'is no longer the current version' }] },
      );
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------
// Touchpoints of one lead (for explanations)

export async function findTouchpointFacts(
  db: Kysely<DB>,
  workspaceId: number,
  leadId: number,
): Promise<TouchpointFact[]> {
  return db
    .selectFrom('touchpoints')
    .select(['id', 'type', 'channel', 'campaign_id', 'occurred_at'])
    .where('workspace_id', '=', workspaceId)
    .where('lead_id', '=', leadId)
    .orderBy('occurred_at')
    .orderBy('id')
    .execute();
}

// ---------------------------------------------------------------------------------------
// Jobs

export async function insertJob(
  db: Kysely<DB>,
  job: { workspace_id: number; model_version: number; total: number; created_by: number | null },
): Promise<ScoringJobRow> {
  return db.insertInto('scoring_jobs').values(job).returningAll().executeTakeFirstOrThrow();
}

export async function getJob(
  db: Kysely<DB>,
  workspaceId: number,
  id: number,
): Promise<ScoringJobRow | undefined> {
  return db
    .selectFrom('scoring_jobs')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Marks older unfinished jobs of the workspace superseded: the newer job rescores everything anyway. */
export async function supersedeJobs(
  db: Kysely<DB>,
  workspaceId: number,
  beforeId: number,
  now: Date,
): Promise<void> {
  await db
    .updateTable('scoring_jobs')
    .set({ status: 'superseded', finished_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '<', beforeId)
    .where('status', 'in', ['queued', 'running'])
    .execute();
}

/**
 * Takes the oldest job nobody is working on: queued, or running with a heartbeat older than
 * staleAfterMs (its process died). skip locked lets several instances claim different jobs.
 */
export async function claimJob(
  db: Kysely<DB>,
  now: Date,
  staleAfterMs: number,
): Promise<ScoringJobRow | undefined> {
  const staleBefore = new Date(now.getTime() - staleAfterMs);
  return db.transaction().execute(async (trx) => {
    const job = await trx
      .selectFrom('scoring_jobs')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb('status', '=', 'queued'),
          eb.and([
            eb('status', '=', 'running'),
            eb.or([eb('heartbeat_at', 'is', null), eb('heartbeat_at', '<', staleBefore)]),
          ]),
        ]),
      )
      .orderBy('id')
      .limit(1)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (!job) return undefined;
    return trx
      .updateTable('scoring_jobs')
      .set({
        status: 'running',
        started_at: job.started_at ?? now,
        heartbeat_at: now,
        attempts: job.attempts + 1,
      })
      .where('id', '=', job.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** The job row locked for the chunk's transaction; undefined once it is no longer running. */
export async function lockRunningJob(db: Kysely<DB>, id: number): Promise<ScoringJobRow | undefined> {
  return db
    .selectFrom('scoring_jobs')
    .selectAll()
    .where('id', '=', id)
    .where('status', '=', 'running')
    .forUpdate()
    .executeTakeFirst();
}

export async function nextLeadIds(
  db: Kysely<DB>,
  workspaceId: number,
  afterId: number,
  limit: number,
  onlyEngaged = false,
): Promise<number[]> {
  let query = db
    .selectFrom('leads')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', '>', afterId);
  if (onlyEngaged) {
    // Leads with engagement points change with time; waiting leads may have had their
    // qualification fields filled in by a write that does not score (an import).
    query = query.where((eb) =>
      eb.or([
        eb('engagement_score', '<>', 0),
        eb.exists(
          eb
            .selectFrom('qualification_queue as q')
            .select('q.lead_id')
            .whereRef('q.workspace_id', '=', 'leads.workspace_id')
            .whereRef('q.lead_id', '=', 'leads.id'),
        ),
      ]),
    );
  }
  const rows = await query.orderBy('id').limit(limit).execute();
  return rows.map((row) => row.id);
}

export async function countLeads(db: Kysely<DB>, workspaceId: number): Promise<number> {
  const row = await db
    .selectFrom('leads')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function updateJob(
  db: Kysely<DB>,
  id: number,
  patch: Partial<{
    status: ScoringJobRow['status'];
    processed: number;
    changed: number;
    handed_off: number;
    needs_qualification: number;
    last_lead_id: number;
    heartbeat_at: Date;
    finished_at: Date;
    error: string | null;
  }>,
): Promise<void> {
  await db.updateTable('scoring_jobs').set(patch).where('id', '=', id).execute();
}

// ---------------------------------------------------------------------------------------
// Periodic decay rescoring

/**
 * Claims the workspaces whose decay rescore is due (last run at least `everyMs` ago) by
 * moving their last run to now; a workspace seen for the first time is scheduled one period
 * ahead. Concurrent claimers wait on the row locks and then find it no longer due.
 */
export async function claimDueDecayRuns(db: Kysely<DB>, now: Date, everyMs: number): Promise<number[]> {
  await sql`insert into scoring_decay_runs (workspace_id, last_run_at)
    select id, ${now.toISOString()}::timestamptz from workspaces
    on conflict (workspace_id) do nothing`.execute(db);
  const due = new Date(now.getTime() - everyMs);
  const rows = await db
    .updateTable('scoring_decay_runs')
    .set({ last_run_at: now })
    .where('last_run_at', '<=', due)
    .returning('workspace_id')
    .execute();
  return rows.map((row) => row.workspace_id).sort((a, b) => a - b);
}

/** Whether a rescoring job of the workspace is queued or running. */
export async function hasPendingJob(db: Kysely<DB>, workspaceId: number): Promise<boolean> {
  const row = await db
    .selectFrom('scoring_jobs')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('status', 'in', ['queued', 'running'])
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
