/**
 * Attribution models as pure functions over journeys. A journey is the touches that led to
 * one conversion (a won deal, or an opportunity being created), oldest first; each model
 * splits one conversion over those touches, so every model's credits for a journey add up
 * to exactly 1. docs/ATTRIBUTION.md states every rule given here.
 */

export const ATTRIBUTION_MODELS = [
  'first_touch',
  'last_touch',
  'linear',
  'u_shaped',
  'w_shaped',
  'full_path',
  'time_decay',
  'markov',
] as const;
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number];

/** The models that split each journey on its own (all but markov, which needs every journey). */
export const RULE_MODELS = [
  'first_touch',
  'last_touch',
  'linear',
  'u_shaped',
  'w_shaped',
  'full_path',
  'time_decay',
] as const satisfies readonly AttributionModel[];
export type RuleModel = (typeof RULE_MODELS)[number];

export const DEFAULT_HALF_LIFE_DAYS = 7;
const DAY_MS = 86_400_000;

export function isAttributionModel(value: string): value is AttributionModel {
  return (ATTRIBUTION_MODELS as readonly string[]).includes(value);
}

/** The touches of one journey: a state (channel or campaign) and a time per touch, oldest first. */
export interface Journey {
  states: readonly string[];
  /** Milliseconds since the epoch, non-decreasing. */
  times: readonly number[];
  /** Index of the lead-creation touch (see journeyPositions). */
  leadIndex: number;
  /** Index of the opportunity-creation touch (see journeyPositions). */
  opportunityIndex: number;
}

/** Index of the last time at or before `moment` in non-decreasing `times`, or -1 when none is. */
export function lastIndexAtOrBefore(times: readonly number[], moment: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((times[middle] as number) <= moment) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}

/**
 * The positional touches of a journey of n >= 1 touches:
 * - first: index 0;
 * - lead creation: the last touch at or before the moment the lead was created (the earliest
 *   `coalesce(lead_at, created_at)` of the deal's leads), or the first touch when none is;
 * - opportunity creation: the last touch at or before the opportunity's created_at, or the
 *   first touch when none is, and never before the lead-creation touch;
 * - last: the last touch of the journey (the last one before the conversion).
 */
export function journeyPositions(
  times: readonly number[],
  leadCreatedAt: number | null,
  opportunityCreatedAt: number | null,
): { leadIndex: number; opportunityIndex: number } {
  const leadIndex = leadCreatedAt === null ? 0 : Math.max(0, lastIndexAtOrBefore(times, leadCreatedAt));
  const opportunityIndex =
    opportunityCreatedAt === null
      ? leadIndex
      : Math.max(leadIndex, lastIndexAtOrBefore(times, opportunityCreatedAt));
  return { leadIndex, opportunityIndex };
}

/**
 * Positional weights: each position's weight goes to its touch (positions that fall on the
 * same touch add up there); `rest` is shared equally by the touches that hold no position,
 * and when every touch holds one, it goes back to them in proportion to their weights.
 */
function positionalWeights(n: number, positions: readonly [number, number][], rest: number): number[] {
  const weights = new Array<number>(n).fill(0);
  const positional = new Set<number>();
  for (const [index, weight] of positions) {
    weights[index] = (weights[index] as number) + weight;
    positional.add(index);
  }
  const others = n - positional.size;
  if (others > 0) {
    const share = rest / others;
    for (let index = 0; index < n; index++) {
      if (!positional.has(index)) weights[index] = share;
    }
  } else {
    const scale = 1 / (1 - rest);
    for (const index of positional) weights[index] = (weights[index] as number) * scale;
  }
  return weights;
}

/**
 * Each touch's share of one conversion under a rule model; the shares are non-negative and
 * add up to 1. An empty journey has no touches to credit and gets an empty list.
 */
export function touchWeights(
  model: RuleModel,
  journey: Journey,
  halfLifeDays: number = DEFAULT_HALF_LIFE_DAYS,
): number[] {
  const n = journey.states.length;
  if (n === 0) return [];
  const last = n - 1;
  const lead = journey.leadIndex;
  const opportunity = journey.opportunityIndex;
  switch (model) {
    case 'first_touch':
      return positionalWeights(n, [[0, 1]], 0);
    case 'last_touch':
      return positionalWeights(n, [[last, 1]], 0);
    case 'linear':
      return new Array<number>(n).fill(1 / n);
    case 'u_shaped':
      return positionalWeights(
        n,
        [
          [0, 0.4],
          [lead, 0.4],
        ],
        0.2,
      );
    case 'w_shaped':
      return positionalWeights(
        n,
        [
          [0, 0.3],
          [lead, 0.3],
          [opportunity, 0.3],
        ],
        0.1,
      );
    case 'full_path':
      return positionalWeights(
        n,
        [
          [0, 0.225],
          [lead, 0.225],
          [opportunity, 0.225],
          [last, 0.225],
        ],
        0.1,
      );
    case 'time_decay': {
      // 2^(-age / half-life), with ages measured from the latest touch: the same shares as
      // measuring from the conversion (a common factor cancels), without underflow.
      const latest = journey.times[last] as number;
      const halfLife = halfLifeDays * DAY_MS;
      const raw = journey.times.map((time) => 2 ** (-(latest - time) / halfLife));
      const total = raw.reduce((sum, weight) => sum + weight, 0);
      return raw.map((weight) => weight / total);
    }
    default: {
      const unreachable: never = model;
      return unreachable;
    }
  }
}

/** Sums touch weights per state: the credit each channel or campaign gets from one journey. */
export function creditByState(states: readonly string[], weights: readonly number[]): Map<string, number> {
  const credits = new Map<string, number>();
  states.forEach((state, index) => {
    credits.set(state, (credits.get(state) ?? 0) + (weights[index] as number));
  });
  return credits;
}

// ---------------------------------------------------------------------------------------
// Integer apportionment: shares written to the database are whole units (1e-9 of a deal,
// 1e-4 of a currency unit), apportioned so a journey's parts add up to its exact total.

/**
 * Splits `total` whole units in proportion to `weights` (largest remainder method): every
 * part is a whole number, the parts add up to `total` exactly, ties go to the lower index.
 */
export function apportionUnits(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((accumulator, weight) => accumulator + weight, 0);
  if (weights.length === 0 || sum <= 0) return weights.map(() => 0);
  const exact = weights.map((weight) => (weight / sum) * total);
  const parts = exact.map((value) => Math.floor(value));
  let remaining = total - parts.reduce((accumulator, part) => accumulator + part, 0);
  const order = exact
    .map((value, index) => ({ index, remainder: value - Math.floor(value) }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (let position = 0; remaining > 0; position = (position + 1) % order.length) {
    const index = (order[position] as { index: number }).index;
    parts[index] = (parts[index] as number) + 1;
    remaining -= 1;
  }
  return parts;
}

// ---------------------------------------------------------------------------------------
// Markov chain attribution

/**
 * Counts of moves in a first-order Markov chain over journeys: start -> state -> ... ->
 * conversion or null. `states` are the transient states (channels or campaigns).
 */
export interface MarkovCounts {
  states: string[];
  fromStart: number[];
  /** between[i][j]: moves from state i to state j (self-loops included). */
  between: number[][];
  toConversion: number[];
  toNull: number[];
}

/** Builds MarkovCounts from journeys or from pre-counted moves (start and end are null). */
export class MarkovCounter {
  private readonly index = new Map<string, number>();
  readonly counts: MarkovCounts = { states: [], fromStart: [], between: [], toConversion: [], toNull: [] };

  private stateIndex(state: string): number {
    let found = this.index.get(state);
    if (found === undefined) {
      found = this.counts.states.length;
      this.index.set(state, found);
      this.counts.states.push(state);
      this.counts.fromStart.push(0);
      this.counts.toConversion.push(0);
      this.counts.toNull.push(0);
      for (const row of this.counts.between) row.push(0);
      this.counts.between.push(new Array<number>(found + 1).fill(0));
    }
    return found;
  }

  /**
   * Adds `count` moves from `from` (null: the start) to `to` (null: the end of the journey,
   * which is a conversion when `converted`, else the null state).
   */
  addMove(from: string | null, to: string | null, converted: boolean, count = 1): void {
    if (from === null && to === null) return;
    if (from === null) {
      const target = this.stateIndex(to as string);
      this.counts.fromStart[target] = (this.counts.fromStart[target] as number) + count;
      return;
    }
    const source = this.stateIndex(from);
    if (to === null) {
      const list = converted ? this.counts.toConversion : this.counts.toNull;
      list[source] = (list[source] as number) + count;
      return;
    }
    const target = this.stateIndex(to);
    const row = this.counts.between[source] as number[];
    row[target] = (row[target] as number) + count;
  }

  /** Adds `count` journeys along `states` (an empty journey has no move through any state). */
  addJourney(states: readonly string[], converted: boolean, count = 1): void {
    if (states.length === 0) return;
    this.addMove(null, states[0] as string, converted, count);
    for (let index = 1; index < states.length; index++) {
      this.addMove(states[index - 1] as string, states[index] as string, converted, count);
    }
    this.addMove(states[states.length - 1] as string, null, converted, count);
  }
}

/**
 * LU factors of a nonsingular M-matrix, such as I - Q of an absorbing chain, in place in a
 * flat row-major buffer (L unit lower, U upper). An M-matrix has positive leading principal
 * minors, so elimination needs no pivoting and stays stable; zeros of a sparse chain are
 * skipped.
 */
export function luFactor(a: Float64Array, n: number): void {
  for (let k = 0; k < n; k++) {
    const pivot = a[k * n + k] as number;
    if (!(pivot > 1e-300)) throw new Error('The transition system is singular');
    for (let i = k + 1; i < n; i++) {
      const below = a[i * n + k] as number;
      if (below === 0) continue;
      const factor = below / pivot;
      a[i * n + k] = factor;
      for (let j = k + 1; j < n; j++)
        a[i * n + j] = (a[i * n + j] as number) - factor * (a[k * n + j] as number);
    }
  }
}

/** Solves A x = b from the LU factors of A. */
export function luSolve(lu: Float64Array, n: number, b: readonly number[]): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 1; i < n; i++) {
    let value = x[i] as number;
    for (let j = 0; j < i; j++) value -= (lu[i * n + j] as number) * (x[j] as number);
    x[i] = value;
  }
  for (let i = n - 1; i >= 0; i--) {
    let value = x[i] as number;
    for (let j = i + 1; j < n; j++) value -= (lu[i * n + j] as number) * (x[j] as number);
    x[i] = value / (lu[i * n + i] as number);
  }
  return x;
}

/** Solves A^T y = b from the LU factors of A (U^T z = b, then L^T y = z). */
export function luSolveTransposed(lu: Float64Array, n: number, b: readonly number[]): Float64Array {
  const y = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let value = y[i] as number;
    for (let j = 0; j < i; j++) value -= (lu[j * n + i] as number) * (y[j] as number);
    y[i] = value / (lu[i * n + i] as number);
  }
  for (let i = n - 2; i >= 0; i--) {
    let value = y[i] as number;
    for (let j = i + 1; j < n; j++) value -= (lu[j * n + i] as number) * (y[j] as number);
    y[i] = value;
  }
  return y;
}

/**
 * The diagonal of A^-1 from the LU factors of A: entry c is the c-th component of
 * U^-1 L^-1 e_c, and L^-1 e_c is zero above c, so each costs (n - c)^2 / 2 twice.
 */
export function luInverseDiagonal(lu: Float64Array, n: number): Float64Array {
  const diagonal = new Float64Array(n);
  const z = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    z[c] = 1;
    for (let i = c + 1; i < n; i++) {
      let value = 0;
      for (let j = c; j < i; j++) value -= (lu[i * n + j] as number) * (z[j] as number);
      z[i] = value;
    }
    for (let i = n - 1; i >= c; i--) {
      let value = z[i] as number;
      for (let j = i + 1; j < n; j++) value -= (lu[i * n + j] as number) * (z[j] as number);
      z[i] = value / (lu[i * n + i] as number);
    }
    diagonal[c] = z[c] as number;
  }
  return diagonal;
}

export interface MarkovResult {
  states: string[];
  /** Probability that a journey from the start ends in a conversion. */
  conversionProbability: number;
  /** Per state: 1 - P(conversion without the state) / P(conversion). */
  removalEffects: number[];
}

/**
 * Exact absorbing-chain solution. With Q the moves between states and r the moves into the
 * conversion (as probabilities), the conversion probability from each state is
 * x = (I - Q)^-1 r and from the start P = p0 . x. Removing state c (its incoming moves go to
 * null) is x with x_c forced to 0, which is x - (x_c / M_cc) M e_c for M = (I - Q)^-1, so
 * one inverse gives every removal effect.
 */
export function markovRemovalEffects(counts: MarkovCounts): MarkovResult {
  const k = counts.states.length;
  const startTotal = counts.fromStart.reduce((sum, value) => sum + value, 0);
  if (k === 0 || startTotal === 0) {
    return { states: counts.states, conversionProbability: 0, removalEffects: new Array(k).fill(0) };
  }
  const a = new Float64Array(k * k);
  const r: number[] = [];
  for (let i = 0; i < k; i++) {
    const row = counts.between[i] as number[];
    const out =
      row.reduce((sum, value) => sum + value, 0) +
      (counts.toConversion[i] as number) +
      (counts.toNull[i] as number);
    for (let j = 0; j < k; j++) a[i * k + j] = (i === j ? 1 : 0) - (out > 0 ? (row[j] as number) / out : 0);
    r.push(out > 0 ? (counts.toConversion[i] as number) / out : 0);
  }
  luFactor(a, k);
  const x = luSolve(a, k, r);
  const p0 = counts.fromStart.map((value) => value / startTotal);
  // reach = p0^T M, the expected visits to each state from the start.
  const reach = luSolveTransposed(a, k, p0);
  const diagonal = luInverseDiagonal(a, k);
  const conversionProbability = p0.reduce((sum, value, j) => sum + value * (x[j] as number), 0);
  const removalEffects = counts.states.map((_, c) => {
    if (conversionProbability <= 0) return 0;
    const without =
      conversionProbability - ((x[c] as number) / (diagonal[c] as number)) * (reach[c] as number);
    const effect = 1 - without / conversionProbability;
    return Math.min(1, Math.max(0, effect));
  });
  return { states: counts.states, conversionProbability, removalEffects };
}

/**
 * Markov credits: the removal effects scaled so the credits add up to `total` (the
 * conversions, or the revenue, of the journeys in the chain).
 */
export function markovCredits(result: MarkovResult, total: number): Map<string, number> {
  const sum = result.removalEffects.reduce((accumulator, value) => accumulator + value, 0);
  const credits = new Map<string, number>();
  result.states.forEach((state, index) => {
    credits.set(state, sum > 0 ? ((result.removalEffects[index] as number) / sum) * total : 0);
  });
  return credits;
}
