import type { LifecycleStage } from '../../db/tables/foundation.ts';

/** The funnel in order; recycled and disqualified sit outside it. */
export const FUNNEL_STAGES = ['subscriber', 'lead', 'mql', 'sal', 'sql', 'opportunity', 'customer'] as const;
export const ALL_STAGES: readonly LifecycleStage[] = [...FUNNEL_STAGES, 'recycled', 'disqualified'];
export type FunnelStage = (typeof FUNNEL_STAGES)[number];

/** Stages a lead can still leave through recycling or disqualification. */
export const OPEN_STAGES: readonly LifecycleStage[] = [
  'subscriber',
  'lead',
  'mql',
  'sal',
  'sql',
  'opportunity',
];

/** The column holding the first moment a lead reached each stage. */
export const STAGE_REACHED_COLUMN = {
  subscriber: 'subscriber_at',
  lead: 'lead_at',
  mql: 'mql_at',
  sal: 'sal_at',
  sql: 'sql_at',
  opportunity: 'opportunity_at',
  customer: 'customer_at',
  recycled: 'recycled_at',
  disqualified: 'disqualified_at',
} as const satisfies Record<LifecycleStage, string>;

export type StageReachedColumn = (typeof STAGE_REACHED_COLUMN)[LifecycleStage];

export function isLifecycleStage(value: string): value is LifecycleStage {
  return (ALL_STAGES as readonly string[]).includes(value);
}

export function funnelIndex(stage: LifecycleStage): number {
  return (FUNNEL_STAGES as readonly string[]).indexOf(stage);
}

export type TransitionCheck =
  | { allowed: true; passedThrough: FunnelStage[] }
  | { allowed: false; reason: string };

/**
 * The one state machine every stage change goes through.
 *
 * - Forward along the funnel: subscriber -> lead -> mql -> sal -> sql -> opportunity -> customer.
 *   A move may skip stages (a sales-sourced lead can become an opportunity directly); the
 *   skipped stages are returned in `passedThrough` so their reached-at moments are stamped too,
 *   which keeps cohort funnels monotonic (every opportunity also counts as an SQL).
 * - Any open stage (subscriber .. opportunity) -> recycled | disqualified.
 * - recycled -> lead | mql.
 * - Everything else is refused: backwards moves, leaving customer or disqualified, staying put.
 */
export function checkTransition(from: LifecycleStage, to: LifecycleStage): TransitionCheck {
  if (from === to) return { allowed: false, reason: `Lead is already in stage ${to}` };
  if (to === 'recycled' || to === 'disqualified') {
    if (OPEN_STAGES.includes(from)) return { allowed: true, passedThrough: [] };
    return { allowed: false, reason: `A lead in stage ${from} cannot move to ${to}; only open stages can` };
  }
  if (from === 'recycled') {
    if (to === 'lead' || to === 'mql') return { allowed: true, passedThrough: [] };
    return { allowed: false, reason: `A recycled lead can only return to lead or mql, not ${to}` };
  }
  if (from === 'disqualified') {
    return { allowed: false, reason: `A disqualified lead cannot move to ${to}` };
  }
  const fromIndex = funnelIndex(from);
  const toIndex = funnelIndex(to);
  if (toIndex <= fromIndex) {
    return {
      allowed: false,
      reason: `Stage ${to} comes before ${from}; leads move back only through recycled`,
    };
  }
  return { allowed: true, passedThrough: FUNNEL_STAGES.slice(fromIndex + 1, toIndex) };
}

/** Moves a lead through a transition: which reached-at columns to stamp (only those still empty). */
export function stampsFor(
  reached: Partial<Record<LifecycleStage, Date | null>>,
  to: LifecycleStage,
  passedThrough: readonly LifecycleStage[],
): LifecycleStage[] {
  return [...passedThrough, to].filter((stage) => !reached[stage]);
}

/**
 * The stage a lead is in given the stages it has reached (used by imports that carry only
 * <stage>_at columns): the furthest funnel stage reached, unless it was later recycled or
 * disqualified.
 */
export function currentStageFromHistory(
  reached: Partial<Record<LifecycleStage, Date | null>>,
): LifecycleStage | null {
  let furthest: FunnelStage | null = null;
  for (const stage of FUNNEL_STAGES) if (reached[stage]) furthest = stage;
  const exits = (['recycled', 'disqualified'] as const).filter((stage) => reached[stage]);
  if (exits.length > 0) {
    const last = exits.reduce((a, b) =>
      (reached[a]?.getTime() ?? 0) >= (reached[b]?.getTime() ?? 0) ? a : b,
    );
    const exitAt = reached[last]?.getTime() ?? 0;
    const furthestAt = furthest ? (reached[furthest]?.getTime() ?? 0) : 0;
    if (furthest !== 'customer' && exitAt >= furthestAt) return last;
  }
  return furthest;
}
