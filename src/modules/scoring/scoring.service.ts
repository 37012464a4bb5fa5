import type { FastifyBaseLogger } from 'fastify';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Temperature } from '../../db/tables/foundation.ts';
import { AppError, validationError } from '../../shared/errors.ts';
import { type Caller, requireRole } from '../auth/auth.ts';
import * as leadsRepository from '../leads/leads.repository.ts';
import * as qualificationRepository from '../qualification/qualification.repository.ts';
import { evaluateHandoffs, type HandoffOutcome } from '../qualification/qualification.service.ts';
import { getAccount } from '../routing/routing.repository.ts';
import type { ScoringJobRow, StoredModel } from './scoring.repository.ts';
import * as repository from './scoring.repository.ts';
import type { PreviewInput, SaveModelInput } from './scoring.schemas.ts';
import {
  explainScore,
  missingQualificationFields,
  modelIssues,
  qualificationFieldLabel,
  type ScoreExplanation,
  type ScoringModel,
  type ScoringThresholds,
  sameEngagement,
  withRuleIds,
} from './scoring.ts';

type ModelInput = Pick<SaveModelInput, 'fit_rules' | 'engagement_rules' | 'thresholds'>;

/** Validates a model as sent by a client and fills in missing rule ids; throws 400 naming the rule. */
export function normalizeModel(input: ModelInput): ScoringModel {
  const taken = new Set<string>();
  const model: ScoringModel = {
    fit_rules: withRuleIds(input.fit_rules, 'fit', taken).map((rule) => ({
      id: rule.id,
      name: rule.name,
      field: rule.field,
      operator: rule.operator,
      ...(rule.value === undefined ? {} : { value: rule.value }),
      points: rule.points,
    })),
    engagement_rules: withRuleIds(input.engagement_rules, 'engagement', taken).map((rule) => ({
      id: rule.id,
      name: rule.name,
      ...(rule.type === undefined ? {} : { type: rule.type }),
      ...(rule.channel === undefined ? {} : { channel: rule.channel }),
      ...(rule.campaign_id === undefined ? {} : { campaign_id: rule.campaign_id }),
      points: rule.points,
      ...(rule.cap === undefined ? {} : { cap: rule.cap }),
      ...(rule.half_life_days === undefined ? {} : { half_life_days: rule.half_life_days }),
    })),
    thresholds: { ...input.thresholds },
  };
  const issues = modelIssues(model);
  if (issues.length) throw validationError(issues);
  return model;
}

export async function getModel(db: Kysely<DB>, caller: Caller): Promise<StoredModel> {
  return repository.loadCurrentModel(db, caller.workspaceId);
}

export interface SavedModel {
  model: StoredModel;
  job: ScoringJobRow;
}

/**
 * Saves a new model version (admins) and queues the job that rescores every lead under it.
 * `version` must be the current one, so two admins editing at once do not overwrite each
 * other silently. Older unfinished jobs are superseded.
 */
export async function saveModel(db: Kysely<DB>, caller: Caller, input: SaveModelInput): Promise<SavedModel> {
  requireRole(caller, ['admin'], 'change the scoring model');
  const definition = normalizeModel(input);
  return db.transaction().execute(async (trx) => {
    const current = await repository.loadCurrentModel(trx, caller.workspaceId);
    if (input.version !== current.version) {
      throw new AppError(
        'CONFLICT',
        `The scoring model is at version ${current.version}, not ${input.version}; reload it and apply your change again`,
        { issues: [{ path: 'version', message: `the current version is ${current.version}` }] },
      );
    }
    const model = await repository.insertModel(
      trx,
      caller.workspaceId,
      current.version + 1,
      definition,
      caller.userId,
    );
    const job = await insertRescoringJob(trx, caller, model.version);
    return { model, job };
  });
}

/**
 * Installs a model on a workspace whose stages come from its own history (the demo company)
 * and scores every lead under it in place: fit, engagement and temperature are rewritten in
 * one set-based statement, without a rescoring job and without handoffs, so the history
 * stays as generated. Leads whose history left them before MQL but whose score reaches the
 * threshold are handed off by the server's first decay rescore (within a minute of start),
 * as after any save. Only for system callers (seeding), not the API.
 */
export async function installModel(
  db: Kysely<DB>,
  caller: Caller,
  input: ModelInput,
  now: Date,
): Promise<{ model: StoredModel; scored: number }> {
  if (caller.role !== 'system') {
    throw new AppError('FORBIDDEN', 'Installing a model without a rescoring job is for seeding only');
  }
  const definition = normalizeModel(input);
  return db.transaction().execute(async (trx) => {
    const current = await repository.loadCurrentModel(trx, caller.workspaceId);
    const model = await repository.insertModel(
      trx,
      caller.workspaceId,
      current.version + 1,
      definition,
      null,
    );
    const scored = await repository.writeScores(trx, caller.workspaceId, definition, { kind: 'all' }, now);
    return { model, scored };
  });
}

/**
 * Queues a rescoring of every lead under the current model, after a bulk write that went
 * around the ingest path (an import): the same background job as a model change, so leads
 * that now reach the MQL score are handed off and routed as if their touchpoints had come
 * through the API. Earlier pending jobs are superseded (this one covers every lead). A
 * workspace that never saved a model scores nothing, so nothing is queued (null).
 */
export async function queueRescore(db: Kysely<DB>, caller: Caller): Promise<ScoringJobRow | null> {
  return db.transaction().execute(async (trx) => {
    const current = await repository.loadCurrentModel(trx, caller.workspaceId);
    if (current.version === 0) return null;
    return insertRescoringJob(trx, caller, current.version);
  });
}

/** A job rescoring every lead under `version`; earlier unfinished jobs are superseded by it. */
async function insertRescoringJob(trx: Kysely<DB>, caller: Caller, version: number): Promise<ScoringJobRow> {
  const job = await repository.insertJob(trx, {
    workspace_id: caller.workspaceId,
    model_version: version,
    total: await repository.countLeads(trx, caller.workspaceId),
    created_by: caller.userId,
  });
  await repository.supersedeJobs(trx, caller.workspaceId, job.id, new Date());
  return job;
}

export async function getJob(db: Kysely<DB>, caller: Caller, id: number): Promise<ScoringJobRow> {
  const job = await repository.getJob(db, caller.workspaceId, id);
  if (!job) throw new AppError('SCORING_JOB_NOT_FOUND', `Scoring job ${id} does not exist`);
  return job;
}

export interface ModelPreview {
  engagement: 'stored' | 'recomputed';
  leads: number;
  would_become_mql: number;
  would_be_handed_off: number;
  would_need_qualification: number;
  temperature_changes: number;
  temperature_transitions: { from: Temperature; to: Temperature; leads: number }[];
  temperature_counts: Record<Temperature, number>;
  mql_sample: repository.PreviewLead[];
  temperature_sample: repository.PreviewLead[];
}

/** What a draft model would do to the workspace's leads, computed in SQL; nothing is written. */
export async function previewModel(
  db: Kysely<DB>,
  caller: Caller,
  input: PreviewInput,
  now = new Date(),
): Promise<ModelPreview> {
  requireRole(caller, ['admin', 'marketing'], 'preview scoring models');
  const model = normalizeModel(input);
  const fields = await qualificationRepository.getFields(db, caller.workspaceId);
  // With the current engagement rules and no rescoring under way, every lead's stored
  // engagement is its engagement under the draft (ingest and the periodic rescore keep it
  // current), so only fit is computed; otherwise engagement is recomputed from the touchpoints.
  const current = await repository.loadCurrentModel(db, caller.workspaceId);
  const engagement: repository.EngagementSource =
    sameEngagement(model.engagement_rules, current.definition.engagement_rules) &&
    !(await repository.hasPendingJob(db, caller.workspaceId))
      ? 'stored'
      : 'recompute';
  // One statement over every lead; sorting in memory rather than on disk keeps it fast.
  const result = await db.transaction().execute(async (trx) => {
    await sql`set local work_mem = '64MB'`.execute(trx);
    return repository.previewModel(
      trx,
      caller.workspaceId,
      model,
      fields,
      now,
      input.sample_size,
      engagement,
    );
  });
  const counts: Record<Temperature, number> = { cold: 0, warm: 0, hot: 0 };
  let leads = 0;
  let becomes = 0;
  let needs = 0;
  let changes = 0;
  for (const group of result.groups) {
    leads += group.leads;
    becomes += group.becomes_mql;
    needs += group.needs_qualification;
    counts[group.new_temperature] += group.leads;
    if (group.new_temperature !== group.old_temperature) changes += group.leads;
  }
  return {
    engagement: engagement === 'stored' ? 'stored' : 'recomputed',
    leads,
    would_become_mql: becomes,
    would_be_handed_off: becomes - needs,
    would_need_qualification: needs,
    temperature_changes: changes,
    temperature_transitions: result.groups
      .filter((group) => group.new_temperature !== group.old_temperature)
      .map((group) => ({ from: group.old_temperature, to: group.new_temperature, leads: group.leads })),
    temperature_counts: counts,
    mql_sample: result.mql_sample,
    temperature_sample: result.temperature_sample,
  };
}

export interface LeadScoreExplanation extends ScoreExplanation {
  lead_id: number;
  model_version: number;
  computed_at: Date;
  thresholds: ScoringThresholds;
  stored: { fit_score: number; engagement_score: number; score: number; temperature: Temperature };
  qualification: { required_fields: string[]; missing_fields: string[]; satisfied: boolean };
}

/** Every rule behind a lead's score, with the touchpoints behind its engagement points. */
export async function explainLeadScore(
  db: Kysely<DB>,
  caller: Caller,
  leadId: number,
  now = new Date(),
): Promise<LeadScoreExplanation> {
  const lead = await leadsRepository.getLead(db, caller.workspaceId, leadId);
  if (!lead) throw new AppError('LEAD_NOT_FOUND', `Lead ${leadId} does not exist`);
  const [stored, account, touchpoints, fields] = await Promise.all([
    repository.loadCurrentModel(db, caller.workspaceId),
    lead.account_id ? getAccount(db, caller.workspaceId, lead.account_id) : Promise.resolve(undefined),
    repository.findTouchpointFacts(db, caller.workspaceId, leadId),
    qualificationRepository.getFields(db, caller.workspaceId),
  ]);
  const leadRecord = lead as unknown as Record<string, unknown>;
  const explanation = explainScore(
    stored.definition,
    { lead: leadRecord, account: (account as unknown as Record<string, unknown> | undefined) ?? null },
    touchpoints,
    now,
  );
  const missing = missingQualificationFields(leadRecord, fields);
  return {
    ...explanation,
    lead_id: lead.id,
    model_version: stored.version,
    computed_at: now,
    thresholds: stored.definition.thresholds,
    stored: {
      fit_score: lead.fit_score,
      engagement_score: lead.engagement_score,
      score: lead.score,
      temperature: lead.temperature,
    },
    qualification: {
      required_fields: fields.map(qualificationFieldLabel),
      missing_fields: missing.map(qualificationFieldLabel),
      satisfied: missing.length === 0,
    },
  };
}

export interface ScoringOutcome extends HandoffOutcome {
  /** Leads whose fit, engagement or temperature changed. */
  changed: number;
}

/**
 * Rescores the given leads inside the caller's transaction, set-based: fit and engagement
 * are recomputed in one statement (only changed rows are written), then leads that reached
 * the MQL score are handed off (or listed as needing qualification). The touchpoint ingest
 * calls this with the leads it touched; lead writes call it with the leads they changed.
 * The caller holds the leads' row locks already (the ingest takes them in id order; lead
 * writes lock or insert the row), so none are taken here.
 */
export async function applyEngagement(
  trx: Kysely<DB>,
  workspaceId: number,
  leadIds: readonly number[],
  now: Date,
): Promise<ScoringOutcome> {
  const ids = [...new Set(leadIds)].sort((a, b) => a - b);
  if (ids.length === 0) return { changed: 0, handedOff: [], waiting: [], newlyWaiting: [] };
  const { definition } = await repository.loadCurrentModel(trx, workspaceId);
  return scoreLeads(trx, workspaceId, ids, definition, now, false);
}

async function scoreLeads(
  trx: Kysely<DB>,
  workspaceId: number,
  sortedIds: readonly number[],
  model: ScoringModel,
  now: Date,
  lock: boolean,
): Promise<ScoringOutcome> {
  if (lock) await repository.lockLeads(trx, workspaceId, sortedIds);
  const changed = await repository.writeScores(trx, workspaceId, model, { kind: 'ids', ids: sortedIds }, now);
  const handoffs = await evaluateHandoffs(trx, workspaceId, sortedIds, model, now);
  return { changed, ...handoffs };
}

/**
 * The periodic rescore a worker runs: engagement decays and period caps move with time,
 * so every lead with engagement points is scored again as of `now`, in chunks of leads
 * (one transaction each), as is every lead waiting for qualification (its fields may have
 * been filled in meanwhile). Other leads cannot change with time alone.
 */
export async function rescoreDecayed(
  db: Kysely<DB>,
  workspaceId: number,
  now: Date,
  options: { chunkSize?: number } = {},
): Promise<{ leads: number; changed: number; handedOff: number }> {
  const chunkSize = options.chunkSize ?? 2000;
  const { definition } = await repository.loadCurrentModel(db, workspaceId);
  const totals = { leads: 0, changed: 0, handedOff: 0 };
  let after = 0;
  for (;;) {
    const ids = await repository.nextLeadIds(db, workspaceId, after, chunkSize, true);
    if (ids.length === 0) return totals;
    const outcome = await db
      .transaction()
      .execute((trx) => scoreLeads(trx, workspaceId, ids, definition, now, true));
    totals.leads += ids.length;
    totals.changed += outcome.changed;
    totals.handedOff += outcome.handedOff.length;
    after = ids[ids.length - 1] as number;
  }
}

// ---------------------------------------------------------------------------------------
// Rescoring jobs

export interface JobRunOptions {
  chunkSize?: number;
  /** A running job whose heartbeat is older than this is taken over (its process died). */
  staleAfterMs?: number;
  clock?: () => Date;
  /** Set to stop between chunks; the job goes back to queued and resumes from its cursor. */
  stop?: { requested: boolean };
  log?: Pick<FastifyBaseLogger, 'error' | 'info'>;
  /** Called after each committed chunk (a CLI draws its progress bar with it). */
  onProgress?: (progress: { jobId: number; processed: number; total: number; handedOff: number }) => void;
}

const CHUNK_ATTEMPTS = 3;

/**
 * Works through one claimed job: each chunk of leads (by id, after the job's cursor) is
 * rescored under the job's model version and the cursor and counters move in the same
 * transaction, so a restart resumes exactly where the last committed chunk ended. A chunk
 * failing three times in a row fails the job with the error.
 */
async function runJob(db: Kysely<DB>, job: ScoringJobRow, options: JobRunOptions): Promise<void> {
  const clock = options.clock ?? (() => new Date());
  const chunkSize = options.chunkSize ?? 1000;
  const model = await repository.getModelVersion(db, job.workspace_id, job.model_version);
  if (!model) {
    await repository.updateJob(db, job.id, {
      status: 'failed',
      error: `Scoring model version ${job.model_version} no longer exists`,
      finished_at: clock(),
    });
    return;
  }
  let failures = 0;
  let progress: Parameters<NonNullable<JobRunOptions['onProgress']>>[0] | null = null;
  for (;;) {
    if (options.stop?.requested) {
      await db
        .updateTable('scoring_jobs')
        .set({ status: 'queued', heartbeat_at: null })
        .where('id', '=', job.id)
        .where('status', '=', 'running')
        .execute();
      return;
    }
    try {
      const finished = await db.transaction().execute(async (trx) => {
        const current = await repository.lockRunningJob(trx, job.id);
        if (!current) return true;
        const now = clock();
        const ids = await repository.nextLeadIds(trx, job.workspace_id, current.last_lead_id, chunkSize);
        if (ids.length === 0) {
          await repository.updateJob(trx, job.id, {
            status: 'completed',
            finished_at: now,
            heartbeat_at: now,
          });
          return true;
        }
        const outcome = await scoreLeads(trx, job.workspace_id, ids, model, now, true);
        progress = {
          jobId: job.id,
          processed: current.processed + ids.length,
          total: current.total,
          handedOff: current.handed_off + outcome.handedOff.length,
        };
        await repository.updateJob(trx, job.id, {
          processed: current.processed + ids.length,
          changed: current.changed + outcome.changed,
          handed_off: current.handed_off + outcome.handedOff.length,
          needs_qualification: current.needs_qualification + outcome.newlyWaiting.length,
          last_lead_id: ids[ids.length - 1] as number,
          heartbeat_at: now,
        });
        return false;
      });
      failures = 0;
      if (progress) options.onProgress?.(progress);
      progress = null;
      if (finished) return;
    } catch (error) {
      failures += 1;
      const message = error instanceof Error ? error.message : String(error);
      options.log?.error({ err: error, job: job.id }, 'scoring job chunk failed');
      if (failures >= CHUNK_ATTEMPTS) {
        await repository.updateJob(db, job.id, {
          status: 'failed',
          error: `Rescoring stopped after ${CHUNK_ATTEMPTS} failed attempts on the chunk after lead ${
            (await repository.getJob(db, job.workspace_id, job.id))?.last_lead_id ?? 0
          }: ${message}`,
          finished_at: clock(),
        });
        return;
      }
    }
  }
}

/** Claims and runs pending jobs (any workspace) until none is left; returns how many it ran. */
export async function runScoringJobs(db: Kysely<DB>, options: JobRunOptions = {}): Promise<number> {
  const clock = options.clock ?? (() => new Date());
  let ran = 0;
  for (;;) {
    if (options.stop?.requested) return ran;
    const job = await repository.claimJob(db, clock(), options.staleAfterMs ?? 60_000);
    if (!job) return ran;
    await runJob(db, job, options);
    ran += 1;
  }
}

/** How often leads are rescored for decay (TANDEM_RESCORE_INTERVAL_MS, default one hour). */
export function decayInterval(): number {
  const configured = Number(process.env.TANDEM_RESCORE_INTERVAL_MS);
  return Number.isFinite(configured) && configured > 0 ? configured : 3_600_000;
}

/**
 * The periodic decay rescore of every workspace that is due, for a worker loop to call as
 * often as it likes: each workspace is claimed by one instance per period (see
 * claimDueDecayRuns) and rescored with rescoreDecayed.
 */
export async function rescoreDueWorkspaces(
  db: Kysely<DB>,
  now: Date,
  everyMs = decayInterval(),
): Promise<{ workspaces: number; leads: number; changed: number; handedOff: number }> {
  const totals = { workspaces: 0, leads: 0, changed: 0, handedOff: 0 };
  for (const workspaceId of await repository.claimDueDecayRuns(db, now, everyMs)) {
    const result = await rescoreDecayed(db, workspaceId, now);
    totals.workspaces += 1;
    totals.leads += result.leads;
    totals.changed += result.changed;
    totals.handedOff += result.handedOff;
  }
  return totals;
}

/**
 * Scoring's background work in the server process: rescoring jobs when a model is saved, at
 * start (jobs an earlier process left unfinished) and every `intervalMs` (jobs another
 * instance abandoned); and on that same tick, the decay rescore of workspaces that are due.
 */
const runners = new WeakMap<Kysely<DB>, ScoringJobRunner>();

/**
 * Asks the job runner of this process working on `db`, if there is one (a server), to run
 * pending jobs now rather than at its next tick. Without one (a CLI), nothing happens.
 */
export function kickScoringJobs(db: Kysely<DB>): void {
  runners.get(db)?.kick();
}

export class ScoringJobRunner {
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly stop = { requested: false };

  constructor(
    private readonly db: Kysely<DB>,
    private readonly options: Omit<JobRunOptions, 'stop'> = {},
  ) {
    runners.set(db, this);
  }

  /** Runs pending jobs now, then on a timer (jobs other instances left, decay rescoring). */
  start(intervalMs = 30_000): void {
    this.timer = setInterval(() => this.kick(true), intervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Runs pending jobs now (and, on the timer, the due decay rescores). */
  kick(withDecay = false): void {
    if (this.stop.requested) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await runScoringJobs(this.db, { ...this.options, stop: this.stop });
      } while (this.again && !this.stop.requested);
      if (withDecay && !this.stop.requested) {
        await rescoreDueWorkspaces(this.db, (this.options.clock ?? (() => new Date()))());
      }
    })()
      .catch((error) => this.options.log?.error({ err: error }, 'scoring background work failed'))
      .finally(() => {
        this.running = null;
      });
  }

  /** Resolves once no run is under way. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.stop.requested = true;
    if (runners.get(this.db) === this) runners.delete(this.db);
    if (this.timer) clearInterval(this.timer);
    await this.idle();
  }
}
