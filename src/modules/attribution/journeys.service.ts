import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { LeadSnapshotRow, OpportunitySnapshotRow } from './journeys.repository.ts';
import * as repository from './journeys.repository.ts';
import {
  AMOUNT_SCALE,
  type Contribution,
  DEAL_SCALE,
  emitLeadContributions,
  emitOpportunityContributions,
  inEdges,
  type LeadSnapshot,
  leadContributions,
  MOVE_SEPARATOR,
  monthOf,
  NO_STATE,
  type OpportunitySnapshot,
  opportunityContributions,
  ROLLUP_VERSION,
  RollupDeltas,
  type RollupKind,
  splitPeriod,
} from './journeys.ts';

const CHUNK = 5_000;

export function toLeadSnapshot(row: LeadSnapshotRow): LeadSnapshot {
  return {
    leadId: row.lead_id,
    createdAt: row.created_at.getTime(),
    mqlAt: row.mql_at?.getTime() ?? null,
    sqlAt: row.sql_at?.getTime() ?? null,
    sourcingCampaign: row.sourcing_campaign_id === null ? NO_STATE : String(row.sourcing_campaign_id),
    sourcingChannel: row.sourcing_channel,
    inOpportunity: row.in_opportunity,
    inWonOpportunity: row.in_won_opportunity,
    channelPath: row.channel_path,
    campaignPath: row.campaign_path,
  };
}

export function toOpportunitySnapshot(row: OpportunitySnapshotRow): OpportunitySnapshot {
  return {
    opportunityId: row.opportunity_id,
    status: row.status,
    createdAt: row.created_at.getTime(),
    closedAt: row.closed_at?.getTime() ?? null,
    amount: Number(row.amount),
    sourcingCampaign: row.sourcing_campaign_id === null ? NO_STATE : String(row.sourcing_campaign_id),
    sourcingChannel: row.sourcing_channel,
    channels: row.channel_path,
    campaigns: row.campaign_path,
    types: row.type_path,
    contents: row.content_path,
    times: row.time_path,
    touchesAtLeadCreation: row.touches_at_lead_creation,
    touchesAtCreation: row.touches_at_creation,
    touchesAtClose: row.touches_at_close,
  };
}

function union(...lists: number[][]): number[] {
  return [...new Set(lists.flat())].sort((a, b) => a - b);
}

function chunks(ids: number[]): number[][] {
  const result: number[][] = [];
  for (let start = 0; start < ids.length; start += CHUNK) result.push(ids.slice(start, start + CHUNK));
  return result;
}

export interface RefreshOutcome {
  rebuilt: boolean;
  leads: number;
  opportunities: number;
  rollupRows: number;
}

/**
 * Brings a workspace's journey rollups up to date with its data: takes the queued changes
 * (or everything, when the rollups were never built or were built by another version),
 * re-snapshots the leads and opportunities concerned and moves their contributions from
 * the old snapshot to the new one. Every report calls this before reading, inside one
 * transaction holding the workspace's refresh lock, so reports never read stale figures.
 */
export async function refreshJourneyRollups(db: Kysely<DB>, workspaceId: number): Promise<RefreshOutcome> {
  const outcome = await applyQueuedChanges(db, workspaceId);
  if (outcome.rebuilt || outcome.rollupRows > VACUUM_AFTER_ROWS) {
    // After a big change the reports' index-only scans need a fresh visibility map and the
    // planner fresh statistics; the embedded store has no autovacuum to provide them.
    await repository.vacuumRollups(db);
  }
  return outcome;
}

/** Rollup rows changed by one refresh above which the rollup tables are vacuumed. */
const VACUUM_AFTER_ROWS = 20_000;

async function applyQueuedChanges(db: Kysely<DB>, workspaceId: number): Promise<RefreshOutcome> {
  return db.transaction().execute(async (trx) => {
    await repository.lockRollups(trx, workspaceId);
    const version = await repository.getRollupVersion(trx, workspaceId);
    const rebuilt = version !== ROLLUP_VERSION;
    let leadIds: number[];
    let opportunityIds: number[];
    if (rebuilt) {
      await repository.clearRollups(trx, workspaceId);
      leadIds = await repository.findAllLeadIds(trx, workspaceId);
      opportunityIds = await repository.findAllOpportunityIds(trx, workspaceId);
    } else {
      const queued = await repository.claimQueue(trx, workspaceId);
      if (!queued.leadIds.length && !queued.opportunityIds.length && !queued.campaignIds.length) {
        return { rebuilt, leads: 0, opportunities: 0, rollupRows: 0 };
      }
      const changedLeads = union(
        queued.leadIds,
        await repository.findLeadIdsOfCampaigns(trx, workspaceId, queued.campaignIds),
      );
      leadIds = union(
        changedLeads,
        await repository.findLeadIdsOfOpportunities(trx, workspaceId, queued.opportunityIds),
      );
      opportunityIds = union(
        queued.opportunityIds,
        await repository.findOpportunityIdsOfLeads(trx, workspaceId, changedLeads),
      );
    }
    const deltas = new RollupDeltas();
    const add = deltas.emitter(1);
    const remove = deltas.emitter(-1);
    // Leads first: opportunity snapshots take their sourcing from their lead's snapshot.
    for (const ids of chunks(leadIds)) {
      const before = await repository.deleteLeadSnapshots(trx, workspaceId, ids);
      const after = await repository.insertLeadSnapshots(trx, workspaceId, ids);
      for (const row of before) emitLeadContributions(toLeadSnapshot(row), remove);
      for (const row of after) emitLeadContributions(toLeadSnapshot(row), add);
    }
    for (const ids of chunks(opportunityIds)) {
      const before = await repository.deleteOpportunitySnapshots(trx, workspaceId, ids);
      const after = await repository.insertOpportunitySnapshots(trx, workspaceId, ids);
      for (const row of before) emitOpportunityContributions(toOpportunitySnapshot(row), remove);
      for (const row of after) emitOpportunityContributions(toOpportunitySnapshot(row), add);
    }
    const changes = deltas.changes();
    await repository.applyRollupDeltas(trx, workspaceId, changes, rebuilt);
    if (rebuilt) await repository.setRollupVersion(trx, workspaceId, ROLLUP_VERSION);
    return {
      rebuilt,
      leads: leadIds.length,
      opportunities: opportunityIds.length,
      rollupRows: changes.length,
    };
  });
}

const LEAD_KINDS: ReadonlySet<RollupKind> = new Set(['sourced_leads', 'sourced_mqls', 'sourced_sqls']);
const LEAD_VARIANTS: ReadonlySet<string> = new Set(['lead_none', 'lead_open']);

export interface ContributionQuery {
  kinds: readonly RollupKind[];
  dimension: string;
  variants?: readonly string[] | undefined;
  keys?: readonly string[] | undefined;
  /** Inclusive start; null: from the beginning. */
  from: Date | null;
  /** Exclusive end; null: up to now. */
  to: Date | null;
  /** Also split the sums by UTC month ('YYYY-MM-01'). */
  byMonth?: boolean;
}

export interface ContributionSum {
  kind: RollupKind;
  variant: string;
  key: string;
  /** Set when the query asked for months. */
  month: string | null;
  deals: number;
  amount: number;
}

function sumId(kind: string, variant: string, key: string, month: string | null): string {
  return [kind, variant, key, month ?? ''].join('\u0000');
}

function matches(contribution: Contribution, query: ContributionQuery): boolean {
  return (
    query.kinds.includes(contribution.kind) &&
    contribution.dimension === query.dimension &&
    (!query.variants || query.variants.includes(contribution.variant)) &&
    (!query.keys || query.keys.includes(contribution.key))
  );
}

/**
 * Sums contributions over a period: whole UTC months from the rollup, the parts of months
 * at either end from the snapshots of the leads and opportunities dated inside them.
 * The caller refreshes the rollups first.
 */
export async function sumContributions(
  db: Kysely<DB>,
  workspaceId: number,
  query: ContributionQuery,
): Promise<ContributionSum[]> {
  const split = splitPeriod(query.from, query.to);
  const totals = new Map<string, ContributionSum>();
  const add = (
    kind: RollupKind,
    variant: string,
    key: string,
    month: string | null,
    deals: number,
    amount: number,
  ) => {
    const id = sumId(kind, variant, key, month);
    const row = totals.get(id);
    if (row) {
      row.deals += deals;
      row.amount += amount;
    } else {
      totals.set(id, { kind, variant, key, month, deals, amount });
    }
  };
  if (split.months) {
    const rollupQuery = {
      kinds: query.kinds,
      dimension: query.dimension,
      variants: query.variants,
      keys: query.keys,
      months: split.months,
    };
    if (query.byMonth) {
      for (const row of await repository.sumRollupByMonthAndKey(db, workspaceId, rollupQuery)) {
        add(row.kind as RollupKind, row.variant, row.key, row.month, row.deals, row.amount);
      }
    } else {
      const rows = await repository.sumRollup(db, workspaceId, rollupQuery);
      // Whole months only: the rows are already one per kind, variant and key.
      if (split.edges.length === 0) {
        return rows.map((row) => ({ ...row, kind: row.kind as RollupKind, month: null }));
      }
      for (const row of rows) add(row.kind as RollupKind, row.variant, row.key, null, row.deals, row.amount);
    }
  }
  if (split.edges.length > 0) {
    const needsLeads = query.kinds.some(
      (kind) =>
        LEAD_KINDS.has(kind) ||
        (kind === 'transition' &&
          (!query.variants || query.variants.some((variant) => LEAD_VARIANTS.has(variant)))),
    );
    const needsOpportunities = query.kinds.some((kind) => !LEAD_KINDS.has(kind));
    const contributions: Contribution[] = [];
    if (needsLeads) {
      for (const row of await repository.findLeadSnapshotsInRanges(db, workspaceId, split.edges)) {
        contributions.push(...leadContributions(toLeadSnapshot(row)));
      }
    }
    if (needsOpportunities) {
      for (const row of await repository.findOpportunitySnapshotsInRanges(db, workspaceId, split.edges)) {
        contributions.push(...opportunityContributions(toOpportunitySnapshot(row)));
      }
    }
    for (const contribution of contributions) {
      if (!inEdges(contribution.at, split.edges) || !matches(contribution, query)) continue;
      add(
        contribution.kind,
        contribution.variant,
        contribution.key,
        query.byMonth ? monthOf(contribution.at) : null,
        contribution.deals / 10 ** DEAL_SCALE,
        contribution.amount / 10 ** AMOUNT_SCALE,
      );
    }
  }
  return [...totals.values()];
}

/**
 * The Markov moves of a period, each with its count in the won-deal chain (converting
 * journeys and leads in no won deal) and in the pipeline chain (opportunity journeys and
 * leads in no opportunity). The caller refreshes the rollups first.
 */
export async function sumMarkovMoves(
  db: Kysely<DB>,
  workspaceId: number,
  dimension: string,
  period: { from: Date | null; to: Date | null },
): Promise<repository.MarkovMoveRow[]> {
  const split = splitPeriod(period.from, period.to);
  if (split.edges.length === 0) {
    return split.months ? repository.sumMarkovMoves(db, workspaceId, dimension, split.months) : [];
  }
  const sums = await sumContributions(db, workspaceId, {
    kinds: ['transition'],
    dimension,
    variants: ['won', 'pipeline', 'lead_none', 'lead_open'],
    from: period.from,
    to: period.to,
  });
  const moves = new Map<string, repository.MarkovMoveRow>();
  for (const sum of sums) {
    let move = moves.get(sum.key);
    if (!move) {
      const [source, target] = sum.key.split(MOVE_SEPARATOR) as [string, string];
      move = { source, target, won: 0, won_null: 0, pipeline: 0, pipeline_null: 0 };
      moves.set(sum.key, move);
    }
    if (sum.variant === 'won') move.won += sum.deals;
    if (sum.variant === 'pipeline') move.pipeline += sum.deals;
    if (sum.variant === 'lead_none' || sum.variant === 'lead_open') move.won_null += sum.deals;
    if (sum.variant === 'lead_none') move.pipeline_null += sum.deals;
  }
  return [...moves.values()];
}
