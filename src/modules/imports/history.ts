import type { LifecycleStage } from '../../db/tables/foundation.ts';
import { checkTransition, FUNNEL_STAGES, funnelIndex } from '../lifecycle/lifecycle.ts';

/**
 * Turns the stage history an import carries (`<stage>_at` columns and a `stage` column)
 * into what the lifecycle model stores: the first moment each stage was reached, the
 * current stage, and the lifecycle events that lead there. Every event is a move the state
 * machine allows (checkTransition), so imported history has the same shape as history made
 * through the API. Pure: no I/O.
 */

/** Epoch milliseconds at which each stage was first reached. */
export type StageTimes = Partial<Record<LifecycleStage, number>>;

export type EventKind = 'history' | 'stage' | 're-entry';

export interface PlannedEvent {
  from: LifecycleStage | null;
  to: LifecycleStage;
  at: number;
  /** history: from a <stage>_at column; stage: from the stage column; re-entry: implied (see below). */
  kind: EventKind;
}

export interface HistoryPlan {
  stage: LifecycleStage;
  /** Reached-at moments to write (for an existing lead only those it did not have). */
  stamps: StageTimes;
  events: PlannedEvent[];
}

export interface HistoryProblem {
  field: string;
  message: string;
}

export function isHistoryProblem(value: HistoryPlan | HistoryProblem): value is HistoryProblem {
  return 'message' in value;
}

const EXIT_RANK = 100;

function rank(stage: LifecycleStage): number {
  const index = funnelIndex(stage);
  // On a tie disqualified sorts first: recycled and disqualified at one moment cannot both be true.
  return index >= 0 ? index : EXIT_RANK + (stage === 'disqualified' ? 0 : 1);
}

function iso(at: number): string {
  return new Date(at).toISOString();
}

interface Move {
  to: LifecycleStage;
  at: number;
}

/**
 * Orders stamps by time (funnel order, then exits, on ties) and folds funnel stages reached
 * at the same moment into one move to the furthest of them: lead_at = mql_at = sql_at is
 * one move to sql that passes mql, exactly as a transition to sql would record it.
 */
function movesOf(stamps: StageTimes): Move[] {
  const sorted = (Object.entries(stamps) as [LifecycleStage, number][])
    .filter(([, at]) => at !== undefined)
    .sort((a, b) => a[1] - b[1] || rank(a[0]) - rank(b[0]));
  const moves: Move[] = [];
  for (const [stage, at] of sorted) {
    const previous = moves[moves.length - 1];
    if (previous && previous.at === at && funnelIndex(previous.to) >= 0 && funnelIndex(stage) >= 0) {
      previous.to = stage;
      continue;
    }
    moves.push({ to: stage, at });
  }
  return moves;
}

/**
 * Applies moves from a starting stage. A recycled lead can only move on after returning to
 * lead or mql, which the first-reached columns cannot show (lead_at is older): a later
 * sql_at implies a return to mql, a later disqualified_at a return to lead, added at the
 * same moment.
 */
function applyMoves(
  start: LifecycleStage | null,
  moves: Move[],
  stamps: StageTimes,
): { stage: LifecycleStage | null; events: PlannedEvent[] } | HistoryProblem {
  let current = start;
  const events: PlannedEvent[] = [];
  for (const move of moves) {
    if (current === null) {
      events.push({ from: null, to: move.to, at: move.at, kind: 'history' });
      current = move.to;
      continue;
    }
    const check = checkTransition(current, move.to);
    if (check.allowed) {
      events.push({ from: current, to: move.to, at: move.at, kind: 'history' });
      current = move.to;
      continue;
    }
    if (current === 'recycled') {
      const back: LifecycleStage = funnelIndex(move.to) > funnelIndex('mql') ? 'mql' : 'lead';
      if (checkTransition(back, move.to).allowed) {
        events.push({ from: 'recycled', to: back, at: move.at, kind: 're-entry' });
        events.push({ from: back, to: move.to, at: move.at, kind: 'history' });
        current = move.to;
        continue;
      }
    }
    const fromAt = stamps[current];
    return {
      field: `${move.to}_at`,
      message:
        `the stage history cannot go from ${current}${fromAt !== undefined ? ` (${current}_at ${iso(fromAt)})` : ''} ` +
        `to ${move.to} (${move.to}_at ${iso(move.at)}): ${check.reason}`,
    };
  }
  return { stage: current, events };
}

/**
 * Funnel stages a lead passed on its way to a later one get that later moment, as
 * transitionLead stamps skipped stages; subscriber is only stamped when given.
 */
export function fillPassedStages(stamps: StageTimes): StageTimes {
  const filled: StageTimes = { ...stamps };
  let next: number | undefined;
  for (let index = FUNNEL_STAGES.length - 1; index >= 1; index--) {
    const stage = FUNNEL_STAGES[index] as LifecycleStage;
    const at = filled[stage];
    if (at !== undefined) next = at;
    else if (next !== undefined) filled[stage] = next;
  }
  return filled;
}

/**
 * First-reached moments follow the funnel: a lead passes mql on its way to sql, so mql_at
 * cannot be after sql_at. Only pairs with a stamp this import brings are checked (`isNew`),
 * so old data already stored never blocks an import.
 */
function funnelOrderProblem(
  stamps: StageTimes,
  isNew: (stage: LifecycleStage) => boolean,
): HistoryProblem | null {
  const stamped = FUNNEL_STAGES.filter((stage) => stamps[stage] !== undefined);
  for (let i = 0; i < stamped.length; i++) {
    for (let j = i + 1; j < stamped.length; j++) {
      const earlier = stamped[i] as LifecycleStage;
      const later = stamped[j] as LifecycleStage;
      const earlierAt = stamps[earlier] as number;
      const laterAt = stamps[later] as number;
      if (earlierAt > laterAt && (isNew(earlier) || isNew(later))) {
        return {
          field: `${isNew(earlier) ? earlier : later}_at`,
          message:
            `${earlier}_at (${iso(earlierAt)}) is after ${later}_at (${iso(laterAt)}); ` +
            `a lead passes ${earlier} on its way to ${later}`,
        };
      }
    }
  }
  return null;
}

function latest(stamps: StageTimes): number | undefined {
  let max: number | undefined;
  for (const at of Object.values(stamps)) if (at !== undefined && (max === undefined || at > max)) max = at;
  return max;
}

export function earliest(stamps: StageTimes): number | undefined {
  let min: number | undefined;
  for (const at of Object.values(stamps)) if (at !== undefined && (min === undefined || at < min)) min = at;
  return min;
}

/**
 * History of a lead the import creates. `stage` alone starts the lead in that stage at
 * createdAt (as POST /leads does); `<stage>_at` columns replay in time order; a `stage`
 * past the end of the history is reached at the latest moment of that history. A `stage`
 * that contradicts the history (stage mql with sql_at set) is a problem, not a guess.
 */
export function planNewLeadHistory(input: {
  stage?: LifecycleStage | undefined;
  history: StageTimes;
  createdAt?: number | undefined;
  now: number;
}): HistoryPlan | HistoryProblem {
  const stamps: StageTimes = { ...input.history };
  const disorder = funnelOrderProblem(stamps, () => true);
  if (disorder) return disorder;
  const applied = applyMoves(null, movesOf(stamps), stamps);
  if ('message' in applied) return applied;
  let { stage } = applied;
  const events = applied.events;
  // lead_at = disqualified_at (or recycled_at) at the very start is a lead created straight
  // into that stage, which POST /leads records as one event.
  const [opening, next] = events;
  if (opening?.to === 'lead' && next && next.at === opening.at && funnelIndex(next.to) < 0) {
    events.splice(0, 2, { from: null, to: next.to, at: next.at, kind: next.kind });
  }
  const target = input.stage;
  if (target !== undefined && target !== stage) {
    if (stage === null) {
      const at = input.createdAt ?? input.now;
      events.push({ from: null, to: target, at, kind: 'stage' });
      stamps[target] = at;
      stage = target;
    } else if (
      stamps[target] !== undefined &&
      stage === 'recycled' &&
      checkTransition(stage, target).allowed
    ) {
      // A recycled lead that came back (stage lead or mql, both reached before): the
      // first-reached columns cannot date the return, so it is placed at the recycle.
      events.push({ from: stage, to: target, at: latest(stamps) ?? input.now, kind: 'stage' });
      stage = target;
    } else if (stamps[target] !== undefined) {
      return {
        field: 'stage',
        message: `is ${target}, but the lead's stage history (${target}_at and later dates) ends in ${stage}`,
      };
    } else {
      const check = checkTransition(stage, target);
      if (!check.allowed) {
        return {
          field: 'stage',
          message: `is ${target}, but the stage history ends in ${stage}: ${check.reason}`,
        };
      }
      const at = latest(stamps) ?? input.createdAt ?? input.now;
      events.push({ from: stage, to: target, at, kind: 'stage' });
      stamps[target] = at;
      stage = target;
    }
  }
  if (stage === null) {
    const at = input.createdAt ?? input.now;
    events.push({ from: null, to: 'lead', at, kind: 'stage' });
    stamps.lead = at;
    stage = 'lead';
  }
  const first = events[0];
  // A lead that starts outside the funnel (created straight into recycled or disqualified)
  // was a lead at that moment, as POST /leads records it.
  if (first && funnelIndex(first.to) < 0 && stamps.lead === undefined) stamps.lead = first.at;
  return { stage, stamps: fillPassedStages(stamps), events };
}

/**
 * History an import adds to a lead that exists. The first moment a stage was reached never
 * changes (history is append-only), so stamps for stages the lead already reached are
 * ignored. New stamps move the lead forward through the state machine; earlier funnel
 * stages it skipped are filled in without an event. A `stage` column only moves the lead
 * to a stage it never reached and that the machine allows from where it is now: a file
 * that is behind the lead (stage mql for a lead now in sql) leaves the stage alone.
 */
export function planExistingLeadHistory(
  lead: { stage: LifecycleStage; stamps: StageTimes },
  input: { stage?: LifecycleStage | undefined; history: StageTimes; now: number },
): HistoryPlan | HistoryProblem {
  const known = lead.stamps;
  let furthestKnown = -1;
  for (const stage of FUNNEL_STAGES) if (known[stage] !== undefined) furthestKnown = funnelIndex(stage);
  const fresh: StageTimes = {};
  const backfill: StageTimes = {};
  for (const [stage, at] of Object.entries(input.history) as [LifecycleStage, number][]) {
    if (at === undefined || known[stage] !== undefined) continue;
    const index = funnelIndex(stage);
    if (index >= 0 && index < furthestKnown) backfill[stage] = at;
    else fresh[stage] = at;
  }
  const all: StageTimes = { ...known, ...backfill, ...fresh };
  const disorder = funnelOrderProblem(all, (stage) => known[stage] === undefined);
  if (disorder) return disorder;
  const applied = applyMoves(lead.stage, movesOf(fresh), all);
  if ('message' in applied) return applied;
  let stage = applied.stage ?? lead.stage;
  const events = applied.events;
  const target = input.stage;
  if (target !== undefined && target !== stage && all[target] === undefined) {
    if (checkTransition(stage, target).allowed) {
      const at = latest(fresh) ?? input.now;
      events.push({ from: stage, to: target, at, kind: 'stage' });
      all[target] = at;
      stage = target;
    }
  }
  const filled = fillPassedStages(all);
  const stamps: StageTimes = {};
  for (const [name, at] of Object.entries(filled) as [LifecycleStage, number][]) {
    if (known[name] === undefined && at !== undefined) stamps[name] = at;
  }
  return { stage, stamps, events };
}
