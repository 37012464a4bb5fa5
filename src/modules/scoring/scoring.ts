import type { Temperature, TouchpointType } from '../../db/tables/foundation.ts';
import type { FieldIssue } from '../../shared/errors.ts';

// The scoring model and its evaluation: pure functions over plain data. The SQL in
// scoring.repository.ts computes the same numbers set-based; scoring.sql.test.ts checks
// that the two agree.

export const CONDITION_OPERATORS = [
  'equals',
  'in',
  'contains',
  'ends_with',
  'gte',
  'lte',
  'range',
  'is_empty',
  'is_not_empty',
] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

export type ScalarValue = string | number | boolean;
export interface RangeValue {
  min?: number | undefined;
  max?: number | undefined;
}
export type ConditionValue = ScalarValue | ScalarValue[] | RangeValue;

/** A test on one lead or account field; routing rules and fit rules share this language. */
export interface Condition {
  field: string;
  operator: ConditionOperator;
  value?: ConditionValue | undefined;
}

export interface FitRule extends Condition {
  id: string;
  name: string;
  points: number;
}

export interface EngagementCap {
  /** Most points the rule can add (or, for negative rules, take) in one period. */
  points: number;
  /** Period length in days, counted back from now: the last N days, the N days before... */
  days: number;
}

export interface EngagementRule {
  id: string;
  name: string;
  type?: TouchpointType | undefined;
  channel?: string | undefined;
  campaign_id?: number | undefined;
  points: number;
  cap?: EngagementCap | undefined;
  half_life_days?: number | undefined;
}

export interface ScoringThresholds {
  mql: number;
  warm: number;
  hot: number;
}

export interface ScoringModel {
  fit_rules: FitRule[];
  engagement_rules: EngagementRule[];
  thresholds: ScoringThresholds;
}

/** What a workspace scores with before an admin saves a model: nothing scores, nobody is MQL by score. */
export const DEFAULT_MODEL: ScoringModel = {
  fit_rules: [],
  engagement_rules: [],
  thresholds: { mql: 100, warm: 40, hot: 80 },
};

// ---------------------------------------------------------------------------------------
// Fields

export const LEAD_TEXT_FIELDS = [
  'email',
  'first_name',
  'last_name',
  'title',
  'phone',
  'company',
  'country',
  'region',
  'industry',
  'source',
  'source_detail',
  'first_utm_source',
  'first_utm_medium',
  'first_utm_campaign',
  'first_utm_term',
  'first_utm_content',
  'last_utm_source',
  'last_utm_medium',
  'last_utm_campaign',
  'last_utm_term',
  'last_utm_content',
  'lead_status',
] as const;
export const LEAD_NUMBER_FIELDS = ['employees'] as const;
export const ACCOUNT_TEXT_FIELDS = ['name', 'domain', 'industry', 'country', 'region'] as const;
export const ACCOUNT_NUMBER_FIELDS = ['employees', 'annual_revenue'] as const;

export type FieldKind = 'text' | 'number';

/** Where a field reference points. */
export type FieldRef =
  | { scope: 'lead' | 'account'; kind: FieldKind; column: string }
  | { scope: 'lead' | 'account'; kind: 'text'; customKey: string }
  | { scope: 'lead'; kind: 'text'; derived: 'email_domain' };

const CUSTOM_PREFIX = 'custom_fields.';
const ACCOUNT_PREFIX = 'account.';

/**
 * Resolves "title", "employees", "email_domain", "custom_fields.budget", "account.employees"
 * or "account.custom_fields.tier"; null when the name is not a field.
 */
export function resolveField(field: string): FieldRef | null {
  let scope: 'lead' | 'account' = 'lead';
  let name = field;
  if (field.startsWith(ACCOUNT_PREFIX)) {
    scope = 'account';
    name = field.slice(ACCOUNT_PREFIX.length);
  }
  if (name.startsWith(CUSTOM_PREFIX)) {
    const customKey = name.slice(CUSTOM_PREFIX.length);
    return customKey.length > 0 && customKey.length <= 100 ? { scope, kind: 'text', customKey } : null;
  }
  if (scope === 'lead') {
    if (name === 'email_domain') return { scope, kind: 'text', derived: 'email_domain' };
    if ((LEAD_TEXT_FIELDS as readonly string[]).includes(name)) return { scope, kind: 'text', column: name };
    if ((LEAD_NUMBER_FIELDS as readonly string[]).includes(name))
      return { scope, kind: 'number', column: name };
    return null;
  }
  if ((ACCOUNT_TEXT_FIELDS as readonly string[]).includes(name)) return { scope, kind: 'text', column: name };
  if ((ACCOUNT_NUMBER_FIELDS as readonly string[]).includes(name))
    return { scope, kind: 'number', column: name };
  return null;
}

/** The lead (and its account, if linked) a condition is evaluated against. */
export interface ScoringSubject {
  lead: Record<string, unknown>;
  account: Record<string, unknown> | null;
}

export function fieldValue(subject: ScoringSubject, ref: FieldRef): unknown {
  const record = ref.scope === 'lead' ? subject.lead : subject.account;
  if (!record) return null;
  if ('derived' in ref) {
    const email = record.email;
    if (typeof email !== 'string') return null;
    // As SQL split_part(lower(email), '@', 2): empty when there is no @.
    return email.toLowerCase().split('@')[1] ?? '';
  }
  if ('customKey' in ref) {
    const custom = record.custom_fields;
    if (!custom || typeof custom !== 'object') return null;
    return (custom as Record<string, unknown>)[ref.customKey] ?? null;
  }
  return record[ref.column] ?? null;
}

/** The text form of a value, as PostgreSQL's ->> and ::text give it. */
export function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

/** Digits with an optional sign and decimals, surrounded by optional blanks. Same pattern in SQL. */
export const NUMERIC_PATTERN = '^[ \\t\\r\\n]*[-+]?[0-9]+(\\.[0-9]+)?[ \\t\\r\\n]*$';
const NUMERIC_RE = new RegExp(NUMERIC_PATTERN);
export const BLANK_PATTERN = '^[ \\t\\r\\n]*$';
const BLANK_RE = new RegExp(BLANK_PATTERN);

export function numberOf(value: unknown, kind: FieldKind): number | null {
  if (value === null || value === undefined) return null;
  if (kind === 'number') return typeof value === 'number' ? value : Number(value);
  const text = textOf(value);
  if (text === null || !NUMERIC_RE.test(text)) return null;
  return Number(text.trim());
}

function isEmpty(value: unknown, kind: FieldKind): boolean {
  if (value === null || value === undefined) return true;
  if (kind === 'number') return false;
  return BLANK_RE.test(textOf(value) ?? '');
}

function equalsScalar(raw: unknown, kind: FieldKind, expected: ScalarValue): boolean {
  if (typeof expected === 'number' || kind === 'number') {
    const actual = numberOf(raw, kind);
    return actual !== null && actual === Number(expected);
  }
  const text = textOf(raw);
  return text !== null && text.toLowerCase() === String(expected).toLowerCase();
}

function asList(value: ConditionValue | undefined): ScalarValue[] {
  if (Array.isArray(value)) return value;
  if (value === undefined || (typeof value === 'object' && value !== null)) return [];
  return [value];
}

export function evaluateCondition(condition: Condition, subject: ScoringSubject): boolean {
  const ref = resolveField(condition.field);
  if (!ref) return false;
  const raw = fieldValue(subject, ref);
  const { operator, value } = condition;
  switch (operator) {
    case 'is_empty':
      return isEmpty(raw, ref.kind);
    case 'is_not_empty':
      return !isEmpty(raw, ref.kind);
    case 'equals':
      return value !== undefined && !Array.isArray(value) && typeof value !== 'object'
        ? equalsScalar(raw, ref.kind, value)
        : false;
    case 'in':
      return asList(value).some((item) => equalsScalar(raw, ref.kind, item));
    case 'contains':
    case 'ends_with': {
      const text = textOf(raw);
      if (text === null) return false;
      const lower = text.toLowerCase();
      return asList(value).some((item) => {
        const needle = String(item).toLowerCase();
        return operator === 'contains' ? lower.includes(needle) : lower.endsWith(needle);
      });
    }
    case 'gte':
    case 'lte': {
      const actual = numberOf(raw, ref.kind);
      if (actual === null || typeof value !== 'number') return false;
      return operator === 'gte' ? actual >= value : actual <= value;
    }
    case 'range': {
      const actual = numberOf(raw, ref.kind);
      if (actual === null || typeof value !== 'object' || value === null || Array.isArray(value))
        return false;
      return (
        (value.min === undefined || actual >= value.min) && (value.max === undefined || actual <= value.max)
      );
    }
    default: {
      const unreachable: never = operator;
      return unreachable;
    }
  }
}

/** Checks a condition's field and value against its operator; issues carry `path` as prefix. */
export function conditionIssues(condition: Condition, path: string): FieldIssue[] {
  const ref = resolveField(condition.field);
  if (!ref) {
    return [
      {
        path: `${path}.field`,
        message: `"${condition.field}" is not a field; use a lead field (e.g. title, employees, email_domain), custom_fields.<key>, account.<field> or account.custom_fields.<key>`,
      },
    ];
  }
  const { operator, value } = condition;
  const issue = (message: string): FieldIssue[] => [{ path: `${path}.value`, message }];
  const isScalar = (item: unknown) =>
    typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean';
  switch (operator) {
    case 'is_empty':
    case 'is_not_empty':
      return value === undefined ? [] : issue(`${operator} takes no value`);
    case 'equals':
      if (!isScalar(value)) return issue('equals needs a text, number or true/false value');
      if (ref.kind === 'number' && typeof value !== 'number')
        return issue(`${condition.field} is a number; compare it with a number`);
      return [];
    case 'in':
      if (!Array.isArray(value) || value.length === 0 || !value.every(isScalar))
        return issue('in needs a non-empty list of values');
      if (ref.kind === 'number' && !value.every((item) => typeof item === 'number'))
        return issue(`${condition.field} is a number; list numbers`);
      return [];
    case 'contains':
    case 'ends_with': {
      if (ref.kind === 'number')
        return issue(`${operator} works on text fields; ${condition.field} is a number`);
      const items = Array.isArray(value) ? value : [value];
      if (items.length === 0 || !items.every((item) => typeof item === 'string' && item.length > 0))
        return issue(`${operator} needs a non-empty text or a list of them`);
      return [];
    }
    case 'gte':
    case 'lte':
      return typeof value === 'number' && Number.isFinite(value) ? [] : issue(`${operator} needs a number`);
    case 'range': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return issue('range needs {"min": number, "max": number} (either may be left out)');
      const { min, max } = value as RangeValue;
      if (min === undefined && max === undefined) return issue('range needs min, max or both');
      if ((min !== undefined && typeof min !== 'number') || (max !== undefined && typeof max !== 'number'))
        return issue('range min and max must be numbers');
      if (min !== undefined && max !== undefined && min > max) return issue('range min is above max');
      return [];
    }
    default: {
      const unreachable: never = operator;
      return unreachable;
    }
  }
}

/** Semantic checks the zod schema cannot express: fields, operator values, unique ids, bands. */
export function modelIssues(model: ScoringModel): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const ids = new Map<string, string>();
  const checkId = (id: string, path: string) => {
    const previous = ids.get(id);
    if (previous) issues.push({ path: `${path}.id`, message: `"${id}" is also the id of ${previous}` });
    else ids.set(id, path);
  };
  model.fit_rules.forEach((rule, index) => {
    const path = `fit_rules.${index}`;
    checkId(rule.id, path);
    issues.push(...conditionIssues(rule, path));
  });
  model.engagement_rules.forEach((rule, index) => {
    checkId(rule.id, `engagement_rules.${index}`);
  });
  if (model.thresholds.warm > model.thresholds.hot) {
    issues.push({ path: 'thresholds.warm', message: 'the warm band must start at or below the hot band' });
  }
  return issues;
}

/** Gives rules without an id one ("fit_1", "engagement_2") that no other rule uses. */
export function withRuleIds<T extends { id?: string | undefined }>(
  rules: T[],
  prefix: string,
  taken: Set<string>,
): (T & { id: string })[] {
  for (const rule of rules) if (rule.id) taken.add(rule.id);
  let next = 1;
  return rules.map((rule) => {
    if (rule.id) return rule as T & { id: string };
    while (taken.has(`${prefix}_${next}`)) next += 1;
    const id = `${prefix}_${next}`;
    taken.add(id);
    return { ...rule, id };
  });
}

// ---------------------------------------------------------------------------------------
// Evaluation

const MS_PER_DAY = 86_400_000;

/** Whole and fractional days from a touchpoint to now; touchpoints dated after now count as new. */
export function ageInDays(occurredAt: Date, now: Date): number {
  return Math.max(0, (now.getTime() - occurredAt.getTime()) / MS_PER_DAY);
}

/** points * 0.5^(age / half_life); 1 without a half-life. */
export function decayFactor(ageDays: number, halfLifeDays: number | undefined): number {
  if (halfLifeDays === undefined) return 1;
  return 0.5 ** (Math.max(0, ageDays) / halfLifeDays);
}

/**
 * Rounds half away from zero after cutting to 15 significant digits, which is what
 * PostgreSQL's round(float8::numeric) does; SQL and explanations then agree to the point.
 */
export function roundPoints(value: number): number {
  if (!Number.isFinite(value) || value === 0) return 0;
  const cut = Number(value.toPrecision(15));
  return Math.sign(cut) * Math.round(Math.abs(cut));
}

export function temperatureFor(score: number, thresholds: ScoringThresholds): Temperature {
  if (score >= thresholds.hot) return 'hot';
  if (score >= thresholds.warm) return 'warm';
  return 'cold';
}

export interface TouchpointFact {
  id: number;
  type: string;
  channel: string | null;
  campaign_id: number | null;
  occurred_at: Date;
}

export function touchpointMatches(rule: EngagementRule, touchpoint: TouchpointFact): boolean {
  if (rule.type !== undefined && touchpoint.type !== rule.type) return false;
  if (rule.channel !== undefined && (touchpoint.channel ?? '').toLowerCase() !== rule.channel.toLowerCase())
    return false;
  if (rule.campaign_id !== undefined && touchpoint.campaign_id !== rule.campaign_id) return false;
  return true;
}

export interface TouchpointContribution {
  touchpoint_id: number;
  type: string;
  channel: string | null;
  campaign_id: number | null;
  occurred_at: Date;
  age_days: number;
  decay_factor: number;
  /** Points after decay, before the period cap. */
  points: number;
  /** 0 for the last cap.days days, 1 for the period before, ...; 0 for every touchpoint without a cap. */
  period: number;
}

export interface EngagementRuleResult {
  rule_id: string;
  name: string;
  points: number;
  /** Decayed points before capping and rounding. */
  uncapped_points: number;
  capped_periods: number[];
  touchpoints: TouchpointContribution[];
}

/** One engagement rule over a lead's touchpoints: decay each, cap per period, round once. */
export function engagementForRule(
  rule: EngagementRule,
  touchpoints: readonly TouchpointFact[],
  now: Date,
): EngagementRuleResult {
  const contributions: TouchpointContribution[] = [];
  const periodSums = new Map<number, number>();
  for (const touchpoint of touchpoints) {
    if (!touchpointMatches(rule, touchpoint)) continue;
    const age = ageInDays(touchpoint.occurred_at, now);
    const factor = decayFactor(age, rule.half_life_days);
    const points = rule.points * factor;
    const period = rule.cap ? Math.floor(age / rule.cap.days) : 0;
    periodSums.set(period, (periodSums.get(period) ?? 0) + points);
    contributions.push({
      touchpoint_id: touchpoint.id,
      type: touchpoint.type,
      channel: touchpoint.channel,
      campaign_id: touchpoint.campaign_id,
      occurred_at: touchpoint.occurred_at,
      age_days: age,
      decay_factor: factor,
      points,
      period,
    });
  }
  let total = 0;
  let uncapped = 0;
  const cappedPeriods: number[] = [];
  for (const [period, sum] of [...periodSums.entries()].sort((a, b) => a[0] - b[0])) {
    uncapped += sum;
    if (rule.cap && Math.abs(sum) > rule.cap.points) {
      cappedPeriods.push(period);
      total += Math.sign(sum) * rule.cap.points;
    } else {
      total += sum;
    }
  }
  return {
    rule_id: rule.id,
    name: rule.name,
    points: roundPoints(total),
    uncapped_points: uncapped,
    capped_periods: cappedPeriods,
    touchpoints: contributions,
  };
}

export interface FitRuleResult {
  rule_id: string;
  name: string;
  field: string;
  operator: ConditionOperator;
  value: ConditionValue | null;
  actual: unknown;
  points: number;
}

export interface ScoreExplanation {
  fit_score: number;
  engagement_score: number;
  score: number;
  temperature: Temperature;
  reaches_mql: boolean;
  fit_rules: FitRuleResult[];
  engagement_rules: EngagementRuleResult[];
}

export function fitRules(model: ScoringModel, subject: ScoringSubject): FitRuleResult[] {
  const matched: FitRuleResult[] = [];
  for (const rule of model.fit_rules) {
    if (!evaluateCondition(rule, subject)) continue;
    const ref = resolveField(rule.field);
    matched.push({
      rule_id: rule.id,
      name: rule.name,
      field: rule.field,
      operator: rule.operator,
      value: rule.value ?? null,
      actual: ref ? fieldValue(subject, ref) : null,
      points: rule.points,
    });
  }
  return matched;
}

/**
 * Every rule that contributed to a lead's score, and the totals. The score is exactly the
 * sum of the listed rule points.
 */
export function explainScore(
  model: ScoringModel,
  subject: ScoringSubject,
  touchpoints: readonly TouchpointFact[],
  now: Date,
): ScoreExplanation {
  const fit = fitRules(model, subject);
  const engagement = model.engagement_rules
    .map((rule) => engagementForRule(rule, touchpoints, now))
    .filter((result) => result.touchpoints.length > 0);
  const fitScore = fit.reduce((sum, rule) => sum + rule.points, 0);
  const engagementScore = engagement.reduce((sum, rule) => sum + rule.points, 0);
  const score = fitScore + engagementScore;
  return {
    fit_score: fitScore,
    engagement_score: engagementScore,
    score,
    temperature: temperatureFor(score, model.thresholds),
    reaches_mql: score >= model.thresholds.mql,
    fit_rules: fit,
    engagement_rules: engagement,
  };
}

// ---------------------------------------------------------------------------------------
// Qualification fields (the gate shares the field language with scoring, limited to the lead)

/** "budget" and "custom_fields.budget" are the same custom field; lead columns keep their name. */
export function canonicalQualificationField(field: string): string | null {
  const trimmed = field.trim();
  if (trimmed.length === 0) return null;
  if ((LEAD_TEXT_FIELDS as readonly string[]).includes(trimmed)) return trimmed;
  if ((LEAD_NUMBER_FIELDS as readonly string[]).includes(trimmed)) return trimmed;
  if (trimmed.startsWith(ACCOUNT_PREFIX) || trimmed === 'email_domain') return null;
  const key = trimmed.startsWith(CUSTOM_PREFIX) ? trimmed.slice(CUSTOM_PREFIX.length) : trimmed;
  return key.length > 0 && key.length <= 100 ? `${CUSTOM_PREFIX}${key}` : null;
}

/** The required fields a lead has not filled in (empty text counts as missing), in the order given. */
export function missingQualificationFields(
  lead: Record<string, unknown>,
  required: readonly string[],
): string[] {
  return required.filter((field) => {
    const ref = resolveField(field);
    if (!ref) return true;
    return isEmpty(fieldValue({ lead, account: null }, ref), ref.kind);
  });
}

/** How a missing field is named to people: custom fields by their key. */
export function qualificationFieldLabel(field: string): string {
  return field.startsWith(CUSTOM_PREFIX) ? field.slice(CUSTOM_PREFIX.length) : field;
}

/** Whether two sets of engagement rules score every lead alike (ids, names and order aside). */
export function sameEngagement(a: readonly EngagementRule[], b: readonly EngagementRule[]): boolean {
  const key = (rule: EngagementRule) =>
    JSON.stringify([
      rule.type ?? null,
      rule.channel?.toLowerCase() ?? null,
      rule.campaign_id ?? null,
      rule.points,
      rule.cap?.points ?? null,
      rule.cap?.days ?? null,
      rule.half_life_days ?? null,
    ]);
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.length === right.length && left.every((item, index) => item === right[index]);
}
