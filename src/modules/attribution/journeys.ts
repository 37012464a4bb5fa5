import {
  apportionUnits,
  creditByState,
  DEFAULT_HALF_LIFE_DAYS,
  RULE_MODELS,
  touchWeights,
} from './attribution.ts';

/**
 * Journey rollups: what each lead and each opportunity contributes to the attribution,
 * campaign and win/loss reports, as pure functions of a snapshot of the lead or
 * opportunity. The reports add contributions up per month in SQL (attribution_rollup);
 * when a lead or an opportunity changes, its old contributions are taken away and its new
 * ones added, so the sums are always those of the current data.
 */

/** Bump when contributions change: every workspace's rollups are then rebuilt on next read. */
export const ROLLUP_VERSION = 1;

/** State of a touch without a channel (or, by campaign, outside any campaign). */
export const NO_STATE = '(none)';
/** Key of a conversion with no touch at all before it: credited to nobody. */
export const UNATTRIBUTED = '';
/** Key of the influenced volumes that counts each deal once, whatever touched it. */
export const ANY_INFLUENCE = '(any)';
/** Separates the two states of a Markov move in a rollup key; '' is the start or the end. */
export const MOVE_SEPARATOR = '\u001f';

/**
 * Rollup month of the all-time totals: every contribution is added to its month and to this
 * row, so a report over all time reads one row per key instead of one per key and month.
 */
export const ALL_TIME = '0001-01-01';

/** Deals are stored in millionths, money in ten-thousandths, so sums stay exact. */
export const DEAL_SCALE = 6;
export const AMOUNT_SCALE = 4;
const DEAL_UNIT = 10 ** DEAL_SCALE;
const AMOUNT_UNIT = 10 ** AMOUNT_SCALE;

export type JourneyDimension = 'channel' | 'campaign';
export const JOURNEY_DIMENSIONS: readonly JourneyDimension[] = ['channel', 'campaign'];
export type PresenceDimension = 'campaign' | 'type' | 'content';

export type RollupKind =
  /** Credit for won deals (variant: model), at the close. */
  | 'credit_won'
  /** Credit for opportunities created (variant: model), at the creation. */
  | 'credit_pipeline'
  /**
   * Markov moves. Variant won / pipeline: journeys of won deals / created opportunities;
   * lead_none / lead_open: journeys of leads in no opportunity / only in deals not won.
   */
  | 'transition'
  | 'sourced_leads'
  | 'sourced_mqls'
  | 'sourced_sqls'
  | 'sourced_opportunities'
  | 'sourced_won'
  | 'influenced_opportunities'
  | 'influenced_won'
  /** Campaigns, touch types and content in a closed deal's journey (variant: won or lost). */
  | 'presence';

export type MarkovPopulation = 'won' | 'pipeline' | 'lead_none' | 'lead_open';

export interface Contribution {
  /** When it counts (ms since the epoch); the rollup keeps it by UTC month. */
  at: number;
  kind: RollupKind;
  dimension: string;
  variant: string;
  key: string;
  /** Millionths of a deal. */
  deals: number;
  /** Ten-thousandths of a currency unit. */
  amount: number;
}

export interface LeadSnapshot {
  leadId: number;
  createdAt: number;
  mqlAt: number | null;
  sqlAt: number | null;
  /** Campaign id as text, or NO_STATE. */
  sourcingCampaign: string;
  sourcingChannel: string;
  inOpportunity: boolean;
  inWonOpportunity: boolean;
  channelPath: readonly string[];
  campaignPath: readonly string[];
}

export interface OpportunitySnapshot {
  opportunityId: number;
  status: 'open' | 'won' | 'lost';
  createdAt: number;
  closedAt: number | null;
  amount: number;
  sourcingCampaign: string;
  sourcingChannel: string;
  /** The touches of the deal's leads up to its close (open deals: up to its creation), oldest first. */
  channels: readonly string[];
  campaigns: readonly string[];
  types: readonly string[];
  /** Content key of content downloads, '' for other touches. */
  contents: readonly string[];
  times: readonly number[];
  /** How many of those touches happened at or before the lead creation, the opportunity creation and the close. */
  touchesAtLeadCreation: number;
  touchesAtCreation: number;
  touchesAtClose: number | null;
}

export function dealUnits(deals: number): number {
  return Math.round(deals * DEAL_UNIT);
}

export function amountUnits(amount: number): number {
  return Math.round(amount * AMOUNT_UNIT);
}

/** Whole units as an exact decimal string ("-12.3400" for -123400 at scale 4). */
export function formatUnits(units: number, scale: number): string {
  const digits = Math.abs(units)
    .toString()
    .padStart(scale + 1, '0');
  const sign = units < 0 ? '-' : '';
  return `${sign}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
}

/** Positions of the lead-creation and opportunity-creation touches in a journey of n >= 1 touches. */
export function positionsFromCounts(
  n: number,
  touchesAtLeadCreation: number,
  touchesAtOpportunityCreation: number,
): { leadIndex: number; opportunityIndex: number } {
  const clamp = (index: number) => Math.min(n - 1, Math.max(0, index));
  const leadIndex = clamp(touchesAtLeadCreation - 1);
  const opportunityIndex = clamp(Math.max(leadIndex, touchesAtOpportunityCreation - 1));
  return { leadIndex, opportunityIndex };
}

/** Receives contributions one at a time (so a rebuild does not hold millions of objects). */
export type Emit = (
  at: number,
  kind: RollupKind,
  dimension: string,
  variant: string,
  key: string,
  deals: number,
  amount: number,
) => void;

function emitCredits(
  emit: Emit,
  kind: 'credit_won' | 'credit_pipeline',
  at: number,
  dimension: JourneyDimension,
  states: readonly string[],
  times: readonly number[],
  positions: { leadIndex: number; opportunityIndex: number },
  amount: number,
  halfLifeDays: number,
): void {
  const amountTotal = amountUnits(amount);
  for (const model of RULE_MODELS) {
    if (states.length === 0) {
      emit(at, kind, dimension, model, UNATTRIBUTED, DEAL_UNIT, amountTotal);
      continue;
    }
    const weights = touchWeights(model, { states, times, ...positions }, halfLifeDays);
    const byState = creditByState(states, weights);
    const keys = [...byState.keys()];
    const shares = [...byState.values()];
    const dealParts = apportionUnits(DEAL_UNIT, shares);
    const amountParts = apportionUnits(amountTotal, shares);
    keys.forEach((state, index) => {
      emit(at, kind, dimension, model, state, dealParts[index] as number, amountParts[index] as number);
    });
  }
}

/** Markov moves of one journey (start and end written as ''), counted per distinct move. */
export function journeyMoves(states: readonly string[]): Map<string, number> {
  const moves = new Map<string, number>();
  if (states.length === 0) return moves;
  const add = (from: string, to: string) => {
    const key = `${from}${MOVE_SEPARATOR}${to}`;
    moves.set(key, (moves.get(key) ?? 0) + 1);
  };
  add('', states[0] as string);
  for (let index = 1; index < states.length; index++)
    add(states[index - 1] as string, states[index] as string);
  add(states[states.length - 1] as string, '');
  return moves;
}

function emitMoves(
  emit: Emit,
  at: number,
  dimension: JourneyDimension,
  population: MarkovPopulation,
  states: readonly string[],
): void {
  for (const [key, count] of journeyMoves(states)) {
    emit(at, 'transition', dimension, population, key, count * DEAL_UNIT, 0);
  }
}

function distinctItems(items: readonly string[], skip: string): string[] {
  return [...new Set(items)].filter((item) => item !== skip);
}

function emitEach(
  emit: Emit,
  at: number,
  kind: RollupKind,
  dimension: string,
  variant: string,
  keys: readonly string[],
  amount: number,
): void {
  const units = amountUnits(amount);
  for (const key of keys) emit(at, kind, dimension, variant, key, DEAL_UNIT, units);
}

/**
 * What one lead adds to the rollups: sourced volumes, and, unless it is in a won deal, its
 * journey's Markov moves (the journey of a lead that did not convert).
 */
export function emitLeadContributions(lead: LeadSnapshot, emit: Emit): void {
  const sourcing: [JourneyDimension, string][] = [
    ['campaign', lead.sourcingCampaign],
    ['channel', lead.sourcingChannel],
  ];
  for (const [dimension, key] of sourcing) {
    emit(lead.createdAt, 'sourced_leads', dimension, '', key, DEAL_UNIT, 0);
    if (lead.mqlAt !== null) emit(lead.mqlAt, 'sourced_mqls', dimension, '', key, DEAL_UNIT, 0);
    if (lead.sqlAt !== null) emit(lead.sqlAt, 'sourced_sqls', dimension, '', key, DEAL_UNIT, 0);
  }
  if (!lead.inWonOpportunity) {
    const population: MarkovPopulation = lead.inOpportunity ? 'lead_open' : 'lead_none';
    emitMoves(emit, lead.createdAt, 'channel', population, lead.channelPath);
    emitMoves(emit, lead.createdAt, 'campaign', population, lead.campaignPath);
  }
}

/**
 * What one opportunity adds: attribution credit and Markov moves for its creation (and its
 * win), sourced and influenced volumes, and which campaigns, touch types and content its
 * journey held when it closed.
 */
export function emitOpportunityContributions(
  opportunity: OpportunitySnapshot,
  emit: Emit,
  halfLifeDays: number = DEFAULT_HALF_LIFE_DAYS,
): void {
  const { createdAt, closedAt, amount } = opportunity;
  const won = opportunity.status === 'won' && closedAt !== null;
  const atCreation = opportunity.touchesAtCreation;
  const atClose = opportunity.touchesAtClose ?? atCreation;
  for (const dimension of JOURNEY_DIMENSIONS) {
    const all = dimension === 'channel' ? opportunity.channels : opportunity.campaigns;
    const pipelineStates = all.slice(0, atCreation);
    emitCredits(
      emit,
      'credit_pipeline',
      createdAt,
      dimension,
      pipelineStates,
      opportunity.times.slice(0, atCreation),
      positionsFromCounts(pipelineStates.length, opportunity.touchesAtLeadCreation, atCreation),
      amount,
      halfLifeDays,
    );
    emitMoves(emit, createdAt, dimension, 'pipeline', pipelineStates);
    const influencers = distinctItems(pipelineStates, NO_STATE);
    if (influencers.length > 0) influencers.push(ANY_INFLUENCE);
    emitEach(emit, createdAt, 'influenced_opportunities', dimension, '', influencers, amount);
    const sourcedKey = dimension === 'channel' ? opportunity.sourcingChannel : opportunity.sourcingCampaign;
    emitEach(emit, createdAt, 'sourced_opportunities', dimension, '', [sourcedKey], amount);
    if (won) {
      const wonStates = all.slice(0, atClose);
      emitCredits(
        emit,
        'credit_won',
        closedAt,
        dimension,
        wonStates,
        opportunity.times.slice(0, atClose),
        positionsFromCounts(wonStates.length, opportunity.touchesAtLeadCreation, atCreation),
        amount,
        halfLifeDays,
      );
      emitMoves(emit, closedAt, dimension, 'won', wonStates);
      emitEach(emit, closedAt, 'influenced_won', dimension, '', influencers, amount);
      emitEach(emit, closedAt, 'sourced_won', dimension, '', [sourcedKey], amount);
    }
  }
  if (closedAt !== null && opportunity.status !== 'open') {
    const status = opportunity.status;
    const presence: [PresenceDimension, string[]][] = [
      ['campaign', distinctItems(opportunity.campaigns.slice(0, atClose), NO_STATE)],
      ['type', distinctItems(opportunity.types.slice(0, atClose), '')],
      ['content', distinctItems(opportunity.contents.slice(0, atClose), '')],
    ];
    for (const [dimension, items] of presence)
      emitEach(emit, closedAt, 'presence', dimension, status, items, amount);
  }
}

function collect(run: (emit: Emit) => void): Contribution[] {
  const rows: Contribution[] = [];
  run((at, kind, dimension, variant, key, deals, amount) => {
    rows.push({ at, kind, dimension, variant, key, deals, amount });
  });
  return rows;
}

export function leadContributions(lead: LeadSnapshot): Contribution[] {
  return collect((emit) => emitLeadContributions(lead, emit));
}

export function opportunityContributions(
  opportunity: OpportunitySnapshot,
  halfLifeDays: number = DEFAULT_HALF_LIFE_DAYS,
): Contribution[] {
  return collect((emit) => emitOpportunityContributions(opportunity, emit, halfLifeDays));
}

/** 'YYYY-MM-01' of the UTC month of a moment. */
export function monthOf(at: number): string {
  const date = new Date(at);
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}-01`;
}

export interface RollupDelta {
  kind: RollupKind;
  dimension: string;
  variant: string;
  month: string;
  key: string;
  deals: number;
  amount: number;
}

/**
 * Adds contributions (sign +1) or takes them away (sign -1), summed per rollup row.
 * Rows are held in nested maps (kind+dimension+variant, then month, then key): short keys
 * hash faster than one long composite key, which matters when a rebuild adds millions.
 */
export class RollupDeltas {
  /** kind -> dimension -> variant -> month index -> key -> row. */
  private readonly rows = new Map<string, Map<string, Map<string, Map<number, Map<string, RollupDelta>>>>>();
  private readonly months = new Map<number, string>();

  private static readonly ALL_TIME_INDEX = -1;

  private monthIndex(at: number): number {
    const date = new Date(at);
    const index = date.getUTCFullYear() * 12 + date.getUTCMonth();
    if (!this.months.has(index)) this.months.set(index, monthOf(at));
    return index;
  }

  private group(kind: string, dimension: string, variant: string): Map<number, Map<string, RollupDelta>> {
    let byDimension = this.rows.get(kind);
    if (!byDimension) {
      byDimension = new Map();
      this.rows.set(kind, byDimension);
    }
    let byVariant = byDimension.get(dimension);
    if (!byVariant) {
      byVariant = new Map();
      byDimension.set(dimension, byVariant);
    }
    let byMonth = byVariant.get(variant);
    if (!byMonth) {
      byMonth = new Map();
      byVariant.set(variant, byMonth);
    }
    return byMonth;
  }

  emitter(sign: 1 | -1): Emit {
    let lastAt = Number.NaN;
    let lastMonth = 0;
    const addTo = (
      byMonth: Map<number, Map<string, RollupDelta>>,
      index: number,
      base: Omit<RollupDelta, 'month' | 'deals' | 'amount'>,
      deals: number,
      amount: number,
    ) => {
      let byKey = byMonth.get(index);
      if (!byKey) {
        byKey = new Map();
        byMonth.set(index, byKey);
      }
      let row = byKey.get(base.key);
      if (!row) {
        row = { ...base, month: this.months.get(index) as string, deals: 0, amount: 0 };
        byKey.set(base.key, row);
      }
      row.deals += sign * deals;
      row.amount += sign * amount;
    };
    this.months.set(RollupDeltas.ALL_TIME_INDEX, ALL_TIME);
    return (at, kind, dimension, variant, key, deals, amount) => {
      if (at !== lastAt) {
        lastAt = at;
        lastMonth = this.monthIndex(at);
      }
      const byMonth = this.group(kind, dimension, variant);
      const base = { kind, dimension, variant, key };
      addTo(byMonth, lastMonth, base, deals, amount);
      addTo(byMonth, RollupDeltas.ALL_TIME_INDEX, base, deals, amount);
    };
  }

  add(contributions: readonly Contribution[], sign: 1 | -1): void {
    const emit = this.emitter(sign);
    for (const c of contributions) emit(c.at, c.kind, c.dimension, c.variant, c.key, c.deals, c.amount);
  }

  /**
   * The rows that change. Unordered: refreshes of a workspace hold its advisory lock, so
   * two transactions never update the same rollup rows at once.
   */
  private *all(): Generator<RollupDelta> {
    for (const byDimension of this.rows.values()) {
      for (const byVariant of byDimension.values()) {
        for (const byMonth of byVariant.values()) {
          for (const byKey of byMonth.values()) yield* byKey.values();
        }
      }
    }
  }

  changes(): RollupDelta[] {
    return [...this.all()].filter((row) => row.deals !== 0 || row.amount !== 0);
  }

  get size(): number {
    let size = 0;
    for (const _ of this.all()) size += 1;
    return size;
  }
}

// ---------------------------------------------------------------------------------------
// Periods: whole months come from the rollup, the ragged ends are computed on the fly.

export interface PeriodSplit {
  /** Whole UTC months to read from the rollup, [from, to) as 'YYYY-MM-01'; null bounds are open. */
  months: { from: string | null; to: string | null } | null;
  /** Parts of months at the ends, [from, to) in ms, computed from snapshots. */
  edges: { from: number; to: number }[];
}

function monthStart(at: number): number {
  const date = new Date(at);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

function nextMonthStart(at: number): number {
  const date = new Date(at);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

/** Splits [from, to) into whole months and the parts of months at either end. */
export function splitPeriod(from: Date | null, to: Date | null): PeriodSplit {
  const start = from?.getTime() ?? null;
  const end = to?.getTime() ?? null;
  if (start !== null && end !== null && start >= end) return { months: null, edges: [] };
  const wholeFrom = start === null ? null : monthStart(start) === start ? start : nextMonthStart(start);
  const wholeTo = end === null ? null : monthStart(end);
  const edges: { from: number; to: number }[] = [];
  if (wholeFrom !== null && wholeTo !== null && wholeFrom > wholeTo) {
    // Both ends inside one month.
    return { months: null, edges: [{ from: start as number, to: end as number }] };
  }
  if (start !== null && wholeFrom !== null && start < wholeFrom) edges.push({ from: start, to: wholeFrom });
  if (end !== null && wholeTo !== null && wholeTo < end) edges.push({ from: wholeTo, to: end });
  const months =
    wholeFrom !== null && wholeTo !== null && wholeFrom >= wholeTo
      ? null
      : {
          from: wholeFrom === null ? null : monthOf(wholeFrom),
          to: wholeTo === null ? null : monthOf(wholeTo),
        };
  return { months, edges };
}

export function inEdges(at: number, edges: readonly { from: number; to: number }[]): boolean {
  return edges.some((edge) => at >= edge.from && at < edge.to);
}
