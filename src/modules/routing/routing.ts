import type { UserStatus } from '../../db/tables/foundation.ts';
import type { RoutingRuleKind } from '../../db/tables/handoff-scoring.ts';
import { type Condition, evaluateCondition, type ScoringSubject } from '../scoring/scoring.ts';

// Pure routing choice: which rule applies to a lead, who is available, and which
// weighted round-robin slot comes next. routing.service.ts adds the locking and the writes.

export interface RoutingRule {
  id: number;
  position: number;
  name: string;
  kind: RoutingRuleKind;
  conditions: Condition[];
  team_id: number | null;
  user_id: number | null;
  /** user id -> weight within the team (default 1; 0 leaves the user out). */
  weights: Record<string, number>;
  active: boolean;
}

/** Every condition holds (a rule without conditions matches every lead). */
export function ruleMatches(rule: RoutingRule, subject: ScoringSubject): boolean {
  return rule.conditions.every((condition) => evaluateCondition(condition, subject));
}

/** Active rules that match, in their order. */
export function matchingRules(rules: readonly RoutingRule[], subject: ScoringSubject): RoutingRule[] {
  return [...rules]
    .filter((rule) => rule.active)
    .sort((a, b) => a.position - b.position || a.id - b.id)
    .filter((rule) => ruleMatches(rule, subject));
}

export interface Availability {
  status: UserStatus;
  capacity: number | null;
  /** Leads the user owns that were handed off and are still open (mql, sal, sql). */
  open_leads: number;
}

/** Why a user cannot take a lead now, or null when they can. */
export function unavailableReason(user: Availability): string | null {
  if (user.status === 'inactive') return 'inactive';
  if (user.status === 'away') return 'away';
  if (user.capacity !== null && user.open_leads >= user.capacity)
    return `over capacity (${user.open_leads} of ${user.capacity} open leads)`;
  return null;
}

export interface WeightedMember {
  user_id: number;
  weight: number;
}

/**
 * One round of slots for weighted round robin, spread out rather than in blocks
 * (smooth weighted round robin): with weights 2 and 1 the round is A, B, A. Each member
 * appears exactly `weight` times; members are taken in user id order so every process
 * builds the same round.
 */
export function weightedSequence(members: readonly WeightedMember[]): number[] {
  const active = [...members].filter((member) => member.weight > 0).sort((a, b) => a.user_id - b.user_id);
  const total = active.reduce((sum, member) => sum + member.weight, 0);
  const current = active.map(() => 0);
  const sequence: number[] = [];
  for (let round = 0; round < total; round++) {
    let best = 0;
    for (let i = 0; i < active.length; i++) {
      current[i] = (current[i] as number) + (active[i] as WeightedMember).weight;
      if ((current[i] as number) > (current[best] as number)) best = i;
    }
    current[best] = (current[best] as number) - total;
    sequence.push((active[best] as WeightedMember).user_id);
  }
  return sequence;
}

export interface SlotChoice {
  user_id: number;
  /** The cursor value to store: one past the slot taken. */
  next_position: number;
  /** Users passed over before the chosen slot, with why. */
  skipped: { user_id: number; reason: string }[];
}

/**
 * The first slot at or after `position` (modulo the round) whose user can take a lead.
 * Skipped slots are consumed, so over whole rounds every available user gets exactly their
 * weight's share. Null when nobody in the round is available.
 */
export function chooseSlot(
  sequence: readonly number[],
  position: number,
  reasonUnavailable: (userId: number) => string | null,
): SlotChoice | null {
  const length = sequence.length;
  if (length === 0) return null;
  const skipped: { user_id: number; reason: string }[] = [];
  const seen = new Set<number>();
  for (let k = 0; k < length; k++) {
    const userId = sequence[(position + k) % length] as number;
    const reason = reasonUnavailable(userId);
    if (reason === null) return { user_id: userId, next_position: position + k + 1, skipped };
    if (!seen.has(userId)) {
      seen.add(userId);
      skipped.push({ user_id: userId, reason });
    }
  }
  return null;
}

/** Weight of a team member under a rule. */
export function weightOf(rule: Pick<RoutingRule, 'weights'>, userId: number): number {
  const weight = rule.weights[String(userId)];
  return weight === undefined ? 1 : weight;
}

/** Lowercased domain of an email, without a leading "www."; null when there is none. */
export function emailDomain(email: string | null): string | null {
  if (!email) return null;
  const at = email.lastIndexOf('@');
  if (at < 0 || at === email.length - 1) return null;
  return normalizeDomain(email.slice(at + 1));
}

/** "https://www.Acme.com/about" -> "acme.com". */
export function normalizeDomain(value: string): string | null {
  const host = value
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/[/?#].*$/, '')
    .replace(/^www\./, '');
  return host.length > 0 ? host : null;
}
