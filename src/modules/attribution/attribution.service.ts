import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Caller } from '../auth/auth.ts';
import { findCampaignLabels } from './attribution.repository.ts';
import {
  ATTRIBUTION_MODELS,
  type AttributionModel,
  DEFAULT_HALF_LIFE_DAYS,
  MarkovCounter,
  markovCredits,
  markovRemovalEffects,
  RULE_MODELS,
  type RuleModel,
} from './attribution.ts';
import { findOpportunitySnapshotsInRanges } from './journeys.repository.ts';
import {
  refreshJourneyRollups,
  sumContributions,
  sumMarkovMoves,
  toOpportunitySnapshot,
} from './journeys.service.ts';
import {
  AMOUNT_SCALE,
  DEAL_SCALE,
  emitOpportunityContributions,
  type JourneyDimension,
  NO_STATE,
  UNATTRIBUTED,
} from './journeys.ts';
import { EARLIEST, LATEST } from './period-sql.ts';
import { periodJson, type ReportPeriod } from './report-period.ts';

export const ATTRIBUTION_METRICS = ['conversions', 'revenue', 'opportunities', 'pipeline'] as const;
export type AttributionMetric = (typeof ATTRIBUTION_METRICS)[number];

export interface AttributionFigures {
  /** Won deals credited. */
  conversions: number;
  /** Won revenue credited. */
  revenue: number;
  /** Opportunities created credited. */
  opportunities: number;
  /** Pipeline amount credited. */
  pipeline: number;
}

export interface AttributionRowLabel {
  /** Channel name or campaign id; '(none)' for touches without a channel or outside any campaign. */
  key: string;
  label: string;
  campaign_id: number | null;
  channel: string | null;
}

export interface AttributionRow extends AttributionRowLabel, AttributionFigures {
  /** Markov only: removal effects in the won-deal and pipeline chains. */
  removal_effect_won: number | null;
  removal_effect_pipeline: number | null;
}

export interface AttributionTotals extends AttributionFigures {
  unattributed_conversions: number;
  unattributed_revenue: number;
  unattributed_opportunities: number;
  unattributed_pipeline: number;
}

export interface MarkovSummary {
  conversion_probability: number;
  journeys: number;
}

export interface AttributionQuery extends ReportPeriod {
  by: JourneyDimension;
  halfLifeDays?: number | undefined;
  metric?: AttributionMetric | undefined;
}

export interface AttributionReport {
  model: AttributionModel;
  by: JourneyDimension;
  from: string | null;
  to: string | null;
  half_life_days: number | null;
  metric: AttributionMetric;
  totals: AttributionTotals;
  rows: AttributionRow[];
  markov: { won: MarkovSummary; pipeline: MarkovSummary } | null;
}

export interface AttributionComparison {
  by: JourneyDimension;
  from: string | null;
  to: string | null;
  half_life_days: number;
  metric: AttributionMetric;
  models: AttributionModel[];
  totals: AttributionTotals;
  rows: (AttributionRowLabel & { models: Record<AttributionModel, AttributionFigures> })[];
}

const ZERO: AttributionFigures = { conversions: 0, revenue: 0, opportunities: 0, pipeline: 0 };

function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

function rounded(figures: AttributionFigures): AttributionFigures {
  return {
    conversions: roundTo(figures.conversions, DEAL_SCALE),
    revenue: roundTo(figures.revenue, AMOUNT_SCALE),
    opportunities: roundTo(figures.opportunities, DEAL_SCALE),
    pipeline: roundTo(figures.pipeline, AMOUNT_SCALE),
  };
}

interface ModelCredits {
  byModel: Map<AttributionModel, Map<string, AttributionFigures>>;
  totals: AttributionTotals;
  markov: {
    won: MarkovSummary;
    pipeline: MarkovSummary;
    effects: Map<string, { won: number; pipeline: number }>;
  } | null;
}

function figuresOf(map: Map<string, AttributionFigures>, key: string): AttributionFigures {
  let figures = map.get(key);
  if (!figures) {
    figures = { ...ZERO };
    map.set(key, figures);
  }
  return figures;
}

/** Credits of each asked model per channel or campaign, plus the totals they split. */
async function computeCredits(
  db: Kysely<DB>,
  workspaceId: number,
  query: AttributionQuery,
  models: readonly AttributionModel[],
): Promise<ModelCredits> {
  const halfLifeDays = query.halfLifeDays ?? DEFAULT_HALF_LIFE_DAYS;
  const ruleModels = models.filter((model): model is RuleModel => model !== 'markov');
  const liveTimeDecay = ruleModels.includes('time_decay') && halfLifeDays !== DEFAULT_HALF_LIFE_DAYS;
  // first_touch is always read: its sums are the totals every model splits.
  const variants = [
    ...new Set<RuleModel>([
      'first_touch',
      ...ruleModels.filter((m) => !(m === 'time_decay' && liveTimeDecay)),
    ]),
  ];
  // Independent reads: on PostgreSQL they run side by side on the pool.
  const [sums, moves] = await Promise.all([
    sumContributions(db, workspaceId, {
      kinds: ['credit_won', 'credit_pipeline'],
      dimension: query.by,
      variants,
      from: query.from,
      to: query.to,
    }),
    models.includes('markov') ? sumMarkovMoves(db, workspaceId, query.by, query) : null,
  ]);
  const byModel = new Map<AttributionModel, Map<string, AttributionFigures>>();
  for (const model of models) byModel.set(model, new Map());
  const totals: AttributionTotals = {
    ...ZERO,
    unattributed_conversions: 0,
    unattributed_revenue: 0,
    unattributed_opportunities: 0,
    unattributed_pipeline: 0,
  };
  const addTo = (figures: AttributionFigures, kind: string, deals: number, amount: number) => {
    if (kind === 'credit_won') {
      figures.conversions += deals;
      figures.revenue += amount;
    } else {
      figures.opportunities += deals;
      figures.pipeline += amount;
    }
  };
  for (const sum of sums) {
    const model = sum.variant as RuleModel;
    if (model === 'first_touch') {
      addTo(totals, sum.kind, sum.deals, sum.amount);
      if (sum.key === UNATTRIBUTED) {
        if (sum.kind === 'credit_won') {
          totals.unattributed_conversions += sum.deals;
          totals.unattributed_revenue += sum.amount;
        } else {
          totals.unattributed_opportunities += sum.deals;
          totals.unattributed_pipeline += sum.amount;
        }
      }
    }
    const target = byModel.get(model);
    if (!target || sum.key === UNATTRIBUTED) continue;
    addTo(figuresOf(target, sum.key), sum.kind, sum.deals, sum.amount);
  }
  if (liveTimeDecay) {
    // Only the default half-life is kept in the rollup; another one is computed from the
    // journeys of the deals in the period.
    const range = { from: query.from?.getTime() ?? EARLIEST, to: query.to?.getTime() ?? LATEST };
    const target = byModel.get('time_decay') as Map<string, AttributionFigures>;
    const snapshots = await findOpportunitySnapshotsInRanges(db, workspaceId, [range]);
    for (const row of snapshots) {
      emitOpportunityContributions(
        toOpportunitySnapshot(row),
        (at, kind, dimension, variant, key, deals, amount) => {
          if (variant !== 'time_decay' || dimension !== query.by || key === UNATTRIBUTED) return;
          if ((kind !== 'credit_won' && kind !== 'credit_pipeline') || at < range.from || at >= range.to)
            return;
          addTo(figuresOf(target, key), kind, deals / 10 ** DEAL_SCALE, amount / 10 ** AMOUNT_SCALE);
        },
        halfLifeDays,
      );
    }
  }
  let markov: ModelCredits['markov'] = null;
  if (moves) {
    const wonChain = new MarkovCounter();
    const pipelineChain = new MarkovCounter();
    let wonJourneys = 0;
    let pipelineJourneys = 0;
    for (const move of moves) {
      const source = move.source === '' ? null : move.source;
      const target = move.target === '' ? null : move.target;
      const counts = [move.won, move.won_null, move.pipeline, move.pipeline_null].map(Math.round) as [
        number,
        number,
        number,
        number,
      ];
      if (source === null) {
        wonJourneys += counts[0] + counts[1];
        pipelineJourneys += counts[2] + counts[3];
      }
      if (counts[0]) wonChain.addMove(source, target, true, counts[0]);
      if (counts[1]) wonChain.addMove(source, target, false, counts[1]);
      if (counts[2]) pipelineChain.addMove(source, target, true, counts[2]);
      if (counts[3]) pipelineChain.addMove(source, target, false, counts[3]);
    }
    const wonResult = markovRemovalEffects(wonChain.counts);
    const pipelineResult = markovRemovalEffects(pipelineChain.counts);
    const attributedConversions = totals.conversions - totals.unattributed_conversions;
    const attributedRevenue = totals.revenue - totals.unattributed_revenue;
    const attributedOpportunities = totals.opportunities - totals.unattributed_opportunities;
    const attributedPipeline = totals.pipeline - totals.unattributed_pipeline;
    const target = byModel.get('markov') as Map<string, AttributionFigures>;
    for (const [key, credit] of markovCredits(wonResult, attributedConversions)) {
      figuresOf(target, key).conversions = credit;
    }
    for (const [key, credit] of markovCredits(wonResult, attributedRevenue))
      figuresOf(target, key).revenue = credit;
    for (const [key, credit] of markovCredits(pipelineResult, attributedOpportunities)) {
      figuresOf(target, key).opportunities = credit;
    }
    for (const [key, credit] of markovCredits(pipelineResult, attributedPipeline)) {
      figuresOf(target, key).pipeline = credit;
    }
    const effects = new Map<string, { won: number; pipeline: number }>();
    wonResult.states.forEach((state, index) => {
      effects.set(state, { won: wonResult.removalEffects[index] as number, pipeline: 0 });
    });
    pipelineResult.states.forEach((state, index) => {
      const entry = effects.get(state) ?? { won: 0, pipeline: 0 };
      entry.pipeline = pipelineResult.removalEffects[index] as number;
      effects.set(state, entry);
    });
    markov = {
      won: { conversion_probability: wonResult.conversionProbability, journeys: wonJourneys },
      pipeline: { conversion_probability: pipelineResult.conversionProbability, journeys: pipelineJourneys },
      effects,
    };
  }
  return { byModel, totals, markov };
}

async function labelRows(
  db: Kysely<DB>,
  workspaceId: number,
  by: JourneyDimension,
  keys: Iterable<string>,
): Promise<Map<string, AttributionRowLabel>> {
  const list = [...new Set(keys)];
  const labels = new Map<string, AttributionRowLabel>();
  if (by === 'channel') {
    for (const key of list) {
      labels.set(key, {
        key,
        label: key === NO_STATE ? '(no channel)' : key,
        campaign_id: null,
        channel: key === NO_STATE ? null : key,
      });
    }
    return labels;
  }
  const ids = list.filter((key) => key !== NO_STATE).map(Number);
  const campaigns = new Map(
    (await findCampaignLabels(db, workspaceId, ids)).map((row) => [String(row.id), row]),
  );
  for (const key of list) {
    const campaign = campaigns.get(key);
    labels.set(key, {
      key,
      label: key === NO_STATE ? '(no campaign)' : (campaign?.name ?? `Campaign ${key} (deleted)`),
      campaign_id: key === NO_STATE ? null : Number(key),
      channel: campaign?.channel ?? null,
    });
  }
  return labels;
}

function descending<T extends AttributionRowLabel>(value: (row: T) => number) {
  return (a: T, b: T) => value(b) - value(a) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
}

/**
 * Attribution of won deals (conversions, revenue) and of opportunities created
 * (opportunities, pipeline) in the period to channels or campaigns, under one model.
 */
export async function getAttribution(
  db: Kysely<DB>,
  caller: Caller,
  model: AttributionModel,
  query: AttributionQuery,
): Promise<AttributionReport> {
  await refreshJourneyRollups(db, caller.workspaceId);
  const metric = query.metric ?? 'revenue';
  const credits = await computeCredits(db, caller.workspaceId, query, [model]);
  const figures = credits.byModel.get(model) as Map<string, AttributionFigures>;
  const labels = await labelRows(db, caller.workspaceId, query.by, figures.keys());
  const rows: AttributionRow[] = [...figures].map(([key, values]) => {
    const effect = credits.markov?.effects.get(key);
    return {
      ...(labels.get(key) as AttributionRowLabel),
      ...rounded(values),
      removal_effect_won: effect ? effect.won : null,
      removal_effect_pipeline: effect ? effect.pipeline : null,
    };
  });
  rows.sort(descending((row) => row[metric]));
  return {
    model,
    by: query.by,
    ...periodJson(query),
    half_life_days: model === 'time_decay' ? (query.halfLifeDays ?? DEFAULT_HALF_LIFE_DAYS) : null,
    metric,
    totals: roundedTotals(credits.totals),
    rows,
    markov: credits.markov ? { won: credits.markov.won, pipeline: credits.markov.pipeline } : null,
  };
}

function roundedTotals(totals: AttributionTotals): AttributionTotals {
  return {
    ...rounded(totals),
    unattributed_conversions: roundTo(totals.unattributed_conversions, DEAL_SCALE),
    unattributed_revenue: roundTo(totals.unattributed_revenue, AMOUNT_SCALE),
    unattributed_opportunities: roundTo(totals.unattributed_opportunities, DEAL_SCALE),
    unattributed_pipeline: roundTo(totals.unattributed_pipeline, AMOUNT_SCALE),
  };
}

/** Every model side by side, per channel or campaign. */
export async function compareAttribution(
  db: Kysely<DB>,
  caller: Caller,
  query: AttributionQuery,
): Promise<AttributionComparison> {
  await refreshJourneyRollups(db, caller.workspaceId);
  const metric = query.metric ?? 'revenue';
  const models = [...ATTRIBUTION_MODELS];
  const credits = await computeCredits(db, caller.workspaceId, query, models);
  const keys = new Set<string>();
  for (const figures of credits.byModel.values()) for (const key of figures.keys()) keys.add(key);
  const labels = await labelRows(db, caller.workspaceId, query.by, keys);
  const rows = [...keys].map((key) => ({
    ...(labels.get(key) as AttributionRowLabel),
    models: Object.fromEntries(
      models.map((model) => [model, rounded(credits.byModel.get(model)?.get(key) ?? ZERO)]),
    ) as Record<AttributionModel, AttributionFigures>,
  }));
  rows.sort(descending((row) => row.models.linear[metric]));
  return {
    by: query.by,
    ...periodJson(query),
    half_life_days: query.halfLifeDays ?? DEFAULT_HALF_LIFE_DAYS,
    metric,
    models,
    totals: roundedTotals(credits.totals),
    rows,
  };
}

/**
 * What the rule models credit some channels or campaigns with in a period (won deals and
 * revenue, opportunities and pipeline), read for those keys only; the caller refreshes
 * the rollups. Markov needs every journey and is left to getAttribution.
 */
export async function getCreditsForKeys(
  db: Kysely<DB>,
  workspaceId: number,
  by: JourneyDimension,
  keys: string[],
  period: ReportPeriod,
): Promise<Map<string, Record<RuleModel, AttributionFigures>>> {
  const sums = await sumContributions(db, workspaceId, {
    kinds: ['credit_won', 'credit_pipeline'],
    dimension: by,
    keys,
    from: period.from,
    to: period.to,
  });
  const result = new Map<string, Record<RuleModel, AttributionFigures>>();
  for (const key of keys) {
    result.set(
      key,
      Object.fromEntries(RULE_MODELS.map((model) => [model, { ...ZERO }])) as Record<
        RuleModel,
        AttributionFigures
      >,
    );
  }
  for (const sum of sums) {
    const figures = result.get(sum.key)?.[sum.variant as RuleModel];
    if (!figures) continue;
    if (sum.kind === 'credit_won') {
      figures.conversions += sum.deals;
      figures.revenue += sum.amount;
    } else {
      figures.opportunities += sum.deals;
      figures.pipeline += sum.amount;
    }
  }
  for (const models of result.values()) {
    for (const model of RULE_MODELS) models[model] = rounded(models[model]);
  }
  return result;
}
