import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Condition,
  canonicalQualificationField,
  decayFactor,
  type EngagementRule,
  engagementForRule,
  evaluateCondition,
  explainScore,
  type FitRule,
  missingQualificationFields,
  modelIssues,
  roundPoints,
  type ScoringModel,
  type ScoringSubject,
  sameEngagement,
  type TouchpointFact,
  temperatureFor,
  withRuleIds,
} from './scoring.ts';

const NOW = new Date('2026-03-01T12:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000);

function subject(
  lead: Record<string, unknown>,
  account: Record<string, unknown> | null = null,
): ScoringSubject {
  return { lead: { custom_fields: {}, ...lead }, account };
}

function touch(
  id: number,
  type: string,
  ageDays: number,
  extra: Partial<TouchpointFact> = {},
): TouchpointFact {
  return { id, type, channel: null, campaign_id: null, occurred_at: daysAgo(ageDays), ...extra };
}

const fitRule = (id: string, condition: Condition, points: number): FitRule => ({
  id,
  name: id,
  ...condition,
  points,
});

describe('conditions', () => {
  const lead = subject(
    {
      title: 'VP of Marketing',
      email: 'Ana@GMail.com',
      employees: 800,
      country: 'DE',
      phone: '   ',
      custom_fields: { budget: '25000', authority: true, need: '' },
    },
    { industry: 'Software', employees: 120, annual_revenue: 1500000.5, custom_fields: { tier: 'Gold' } },
  );

  it.each<[Condition, boolean]>([
    [{ field: 'title', operator: 'contains', value: 'vp' }, true],
    [{ field: 'title', operator: 'contains', value: ['director', 'chief'] }, false],
    [{ field: 'email', operator: 'ends_with', value: ['@yahoo.com', '@gmail.com'] }, true],
    [{ field: 'email_domain', operator: 'in', value: ['gmail.com', 'outlook.com'] }, true],
    [{ field: 'employees', operator: 'gte', value: 500 }, true],
    [{ field: 'employees', operator: 'lte', value: 500 }, false],
    [{ field: 'employees', operator: 'range', value: { min: 800, max: 800 } }, true],
    [{ field: 'employees', operator: 'range', value: { max: 799 } }, false],
    [{ field: 'employees', operator: 'equals', value: 800 }, true],
    [{ field: 'country', operator: 'equals', value: 'de' }, true],
    [{ field: 'country', operator: 'in', value: ['AT', 'CH'] }, false],
    [{ field: 'phone', operator: 'is_empty' }, true],
    [{ field: 'region', operator: 'is_empty' }, true],
    [{ field: 'title', operator: 'is_not_empty' }, true],
    [{ field: 'custom_fields.budget', operator: 'gte', value: 20000 }, true],
    [{ field: 'custom_fields.budget', operator: 'equals', value: 25000 }, true],
    [{ field: 'custom_fields.authority', operator: 'equals', value: true }, true],
    [{ field: 'custom_fields.need', operator: 'is_empty' }, true],
    [{ field: 'custom_fields.timeline', operator: 'is_empty' }, true],
    [{ field: 'custom_fields.timeline', operator: 'contains', value: 'q' }, false],
    [{ field: 'account.industry', operator: 'equals', value: 'software' }, true],
    [{ field: 'account.employees', operator: 'range', value: { min: 100, max: 199 } }, true],
    [{ field: 'account.annual_revenue', operator: 'gte', value: 1500000.5 }, true],
    [{ field: 'account.custom_fields.tier', operator: 'in', value: ['gold', 'platinum'] }, true],
    [{ field: 'title', operator: 'gte', value: 1 }, false],
  ])('%j -> %s', (condition, expected) => {
    expect(evaluateCondition(condition, lead)).toBe(expected);
  });

  it('treats account fields as empty when the lead has no account', () => {
    const alone = subject({ title: 'CTO' });
    expect(evaluateCondition({ field: 'account.industry', operator: 'is_empty' }, alone)).toBe(true);
    expect(evaluateCondition({ field: 'account.employees', operator: 'gte', value: 0 }, alone)).toBe(false);
  });

  it('names the rule and field of a bad condition', () => {
    const model: ScoringModel = {
      fit_rules: [
        fitRule('a', { field: 'titel', operator: 'contains', value: 'VP' }, 5),
        fitRule('b', { field: 'employees', operator: 'contains', value: '5' }, 5),
        fitRule('a', { field: 'employees', operator: 'range', value: { min: 10, max: 5 } }, 5),
      ],
      engagement_rules: [],
      thresholds: { mql: 50, warm: 60, hot: 40 },
    };
    const paths = modelIssues(model).map((issue) => issue.path);
    expect(paths).toEqual([
      'fit_rules.0.field',
      'fit_rules.1.value',
      'fit_rules.2.id',
      'fit_rules.2.value',
      'thresholds.warm',
    ]);
  });
});

describe('fit and engagement by hand', () => {
  const model: ScoringModel = {
    fit_rules: [
      fitRule('vp', { field: 'title', operator: 'contains', value: 'VP' }, 15),
      fitRule('big', { field: 'employees', operator: 'gte', value: 500 }, 20),
      fitRule(
        'free_mail',
        { field: 'email', operator: 'ends_with', value: ['@gmail.com', '@yahoo.com'] },
        -10,
      ),
      fitRule('no_phone', { field: 'phone', operator: 'is_empty' }, -5),
    ],
    engagement_rules: [
      { id: 'views', name: 'Page views', type: 'page_view', points: 5, cap: { points: 30, days: 30 } },
      { id: 'forms', name: 'Form fills', type: 'form_fill', points: 20, half_life_days: 10 },
      { id: 'webinar', name: 'Webinar campaign', campaign_id: 7, points: 8 },
    ],
    thresholds: { mql: 70, warm: 30, hot: 60 },
  };

  it('adds the matching fit rules', () => {
    const result = explainScore(
      model,
      subject({ title: 'VP Sales', employees: 800, email: 'x@gmail.com', phone: '+49 1' }),
      [],
      NOW,
    );
    // 15 + 20 - 10 = 25; no phone rule since the phone is known.
    expect(result.fit_score).toBe(25);
    expect(result.fit_rules.map((rule) => [rule.rule_id, rule.points])).toEqual([
      ['vp', 15],
      ['big', 20],
      ['free_mail', -10],
    ]);
    expect(result.engagement_rules).toEqual([]);
  });

  it('caps page views per 30-day period, halves form fills every 10 days and counts the campaign', () => {
    const touchpoints = [
      // 8 page views in the last 30 days: 40 points, capped at 30.
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((day) => touch(day, 'page_view', day)),
      // 2 page views 40 and 45 days ago: period 1, 10 points, under the cap.
      touch(9, 'page_view', 40),
      touch(10, 'page_view', 45),
      // Form fills 10 and 20 days ago: 20 * 0.5 + 20 * 0.25 = 15.
      touch(11, 'form_fill', 10),
      touch(12, 'form_fill', 20, { campaign_id: 7 }),
      // A webinar touch of campaign 7 counts for the campaign rule too: 2 * 8 = 16.
      touch(13, 'webinar', 3, { campaign_id: 7 }),
    ];
    const result = explainScore(
      model,
      subject({ title: 'Engineer', employees: 10, phone: '1' }),
      touchpoints,
      NOW,
    );
    const byRule = Object.fromEntries(result.engagement_rules.map((rule) => [rule.rule_id, rule]));
    expect(byRule.views?.points).toBe(40);
    expect(byRule.views?.capped_periods).toEqual([0]);
    expect(byRule.views?.touchpoints).toHaveLength(10);
    expect(byRule.forms?.points).toBe(15);
    expect(byRule.forms?.touchpoints.map((t) => t.decay_factor)).toEqual([0.5, 0.25]);
    expect(byRule.webinar?.points).toBe(16);
    expect(result.engagement_score).toBe(71);
    expect(result.score).toBe(71);
    expect(result.temperature).toBe('hot');
    expect(result.reaches_mql).toBe(true);
  });

  it('rounds each rule half away from zero', () => {
    expect(roundPoints(2.5)).toBe(3);
    expect(roundPoints(-2.5)).toBe(-3);
    expect(roundPoints(2.4999)).toBe(2);
    // 3 points at one half-life: 1.5 -> 2.
    const rule: EngagementRule = { id: 'r', name: 'r', type: 'email_open', points: 3, half_life_days: 7 };
    expect(engagementForRule(rule, [touch(1, 'email_open', 7)], NOW).points).toBe(2);
  });

  it('matches channel case-insensitively and caps negative rules from below', () => {
    const rule: EngagementRule = {
      id: 'careers',
      name: 'Careers pages',
      channel: 'Careers',
      points: -10,
      cap: { points: 15, days: 7 },
    };
    const result = engagementForRule(
      rule,
      [touch(1, 'page_view', 1, { channel: 'careers' }), touch(2, 'page_view', 2, { channel: 'CAREERS' })],
      NOW,
    );
    expect(result.points).toBe(-15);
  });
});

describe('qualification fields', () => {
  it('names lead columns as they are and everything else as a custom field', () => {
    expect(canonicalQualificationField('title')).toBe('title');
    expect(canonicalQualificationField('budget')).toBe('custom_fields.budget');
    expect(canonicalQualificationField('custom_fields.budget')).toBe('custom_fields.budget');
    expect(canonicalQualificationField('account.industry')).toBeNull();
    expect(canonicalQualificationField('  ')).toBeNull();
  });

  it('lists what is missing, blank text included, false is known', () => {
    const lead = { phone: ' ', title: 'CFO', custom_fields: { budget: 1000, authority: false, need: '' } };
    expect(
      missingQualificationFields(lead, [
        'title',
        'phone',
        'custom_fields.budget',
        'custom_fields.authority',
        'custom_fields.need',
        'custom_fields.timeline',
      ]),
    ).toEqual(['phone', 'custom_fields.need', 'custom_fields.timeline']);
  });
});

describe('engagement rule sets', () => {
  it('are the same whatever their ids, names, order and channel case', () => {
    const a: EngagementRule[] = [
      { id: 'x', name: 'Views', type: 'page_view', points: 2, cap: { points: 20, days: 30 } },
      { id: 'y', name: 'Web', channel: 'Web', points: 5, half_life_days: 10 },
    ];
    const b: EngagementRule[] = [
      { id: 'engagement_1', name: 'web', channel: 'web', points: 5, half_life_days: 10 },
      { id: 'engagement_2', name: 'views', type: 'page_view', points: 2, cap: { points: 20, days: 30 } },
    ];
    expect(sameEngagement(a, b)).toBe(true);
    expect(sameEngagement(a, [b[0] as EngagementRule, { ...(b[1] as EngagementRule), points: 3 }])).toBe(
      false,
    );
    expect(sameEngagement(a, [b[0] as EngagementRule])).toBe(false);
    expect(sameEngagement(a, [b[0] as EngagementRule, { ...(b[1] as EngagementRule), cap: undefined }])).toBe(
      false,
    );
  });
});

describe('rule ids', () => {
  it('fills in ids no other rule uses', () => {
    const taken = new Set<string>();
    const rules = withRuleIds([{ id: 'fit_2' }, {}, { id: undefined }, {}], 'fit', taken);
    expect(rules.map((rule) => rule.id)).toEqual(['fit_2', 'fit_1', 'fit_3', 'fit_4']);
  });
});

// ---------------------------------------------------------------------------------------
// Properties

const touchpointTypes = ['form_fill', 'email_open', 'page_view', 'webinar'] as const;
const touchArb = fc.record({
  type: fc.constantFrom(...touchpointTypes),
  channel: fc.option(fc.constantFrom('email', 'web', 'Events'), { nil: null }),
  campaign_id: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
  age: fc.double({ min: -2, max: 400, noNaN: true }),
});
const touchesArb = fc
  .array(touchArb, { maxLength: 40 })
  .map((items) =>
    items.map((item, index) =>
      touch(index + 1, item.type, item.age, { channel: item.channel, campaign_id: item.campaign_id }),
    ),
  );
const engagementRuleArb: fc.Arbitrary<EngagementRule> = fc.record(
  {
    id: fc.uuid(),
    name: fc.constant('rule'),
    type: fc.constantFrom(...touchpointTypes),
    channel: fc.constantFrom('email', 'web', 'events'),
    campaign_id: fc.integer({ min: 1, max: 3 }),
    points: fc.integer({ min: -50, max: 50 }).filter((n) => n !== 0),
    cap: fc.record({ points: fc.integer({ min: 1, max: 100 }), days: fc.integer({ min: 1, max: 90 }) }),
    half_life_days: fc.integer({ min: 1, max: 120 }),
  },
  { requiredKeys: ['id', 'name', 'points'] },
);
const fitRuleArb: fc.Arbitrary<FitRule> = fc
  .record({
    id: fc.uuid(),
    condition: fc.constantFrom<Condition>(
      { field: 'title', operator: 'contains', value: 'vp' },
      { field: 'employees', operator: 'gte', value: 100 },
      { field: 'employees', operator: 'range', value: { min: 10, max: 499 } },
      { field: 'email', operator: 'ends_with', value: '@gmail.com' },
      { field: 'country', operator: 'in', value: ['DE', 'FR'] },
      { field: 'custom_fields.budget', operator: 'is_not_empty' },
      { field: 'phone', operator: 'is_empty' },
    ),
    points: fc.integer({ min: -30, max: 30 }),
  })
  .map(({ id, condition, points }) => ({ id, name: id, ...condition, points }));
const leadArb = fc
  .record({
    title: fc.option(fc.constantFrom('VP Sales', 'Engineer', 'svp ops'), { nil: null }),
    employees: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: null }),
    email: fc.constantFrom('a@gmail.com', 'b@acme.io'),
    country: fc.option(fc.constantFrom('DE', 'fr', 'US'), { nil: null }),
    phone: fc.option(fc.constantFrom('', '123'), { nil: null }),
    budget: fc.option(fc.constantFrom('', '5000'), { nil: null }),
  })
  .map(({ budget, ...lead }) => subject({ ...lead, custom_fields: budget === null ? {} : { budget } }));
const modelArb: fc.Arbitrary<ScoringModel> = fc.record({
  fit_rules: fc.array(fitRuleArb, { maxLength: 8 }),
  engagement_rules: fc.array(engagementRuleArb, { maxLength: 6 }),
  thresholds: fc
    .tuple(
      fc.integer({ min: -50, max: 200 }),
      fc.integer({ min: -50, max: 200 }),
      fc.integer({ min: 0, max: 200 }),
    )
    .map(([a, b, mql]) => ({ warm: Math.min(a, b), hot: Math.max(a, b), mql })),
});

describe('scoring properties', () => {
  it('decay never rises with age', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 10_000, noNaN: true }),
        fc.double({ min: 0, max: 10_000, noNaN: true }),
        fc.double({ min: 0.01, max: 1000, noNaN: true }),
        (a, b, halfLife) => {
          const [young, old] = a <= b ? [a, b] : [b, a];
          const fYoung = decayFactor(young, halfLife);
          const fOld = decayFactor(old, halfLife);
          return fOld <= fYoung && fYoung <= 1 && fOld >= 0;
        },
      ),
    );
  });

  it('never lets a period exceed its cap', () => {
    fc.assert(
      fc.property(engagementRuleArb, touchesArb, (rule, touches) => {
        const result = engagementForRule(rule, touches, NOW);
        if (!rule.cap) return true;
        const periods = new Set(result.touchpoints.map((t) => t.period));
        return Math.abs(result.points) <= rule.cap.points * periods.size;
      }),
    );
  });

  it('without decay or cap, a rule is points times the matching touchpoints', () => {
    fc.assert(
      fc.property(engagementRuleArb, touchesArb, (rule, touches) => {
        const plain: EngagementRule = { ...rule, cap: undefined, half_life_days: undefined };
        const matching = touches.filter(
          (t) =>
            (plain.type === undefined || t.type === plain.type) &&
            (plain.channel === undefined || (t.channel ?? '').toLowerCase() === plain.channel) &&
            (plain.campaign_id === undefined || t.campaign_id === plain.campaign_id),
        ).length;
        return engagementForRule(plain, touches, NOW).points === matching * plain.points;
      }),
    );
  });

  it('with a cap and no decay, each period gives min(count * points, cap)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.double({ min: 0, max: 200, noNaN: true }), { maxLength: 30 }),
        (points, capPoints, days, ages) => {
          const rule: EngagementRule = {
            id: 'r',
            name: 'r',
            type: 'page_view',
            points,
            cap: { points: capPoints, days },
          };
          const counts = new Map<number, number>();
          for (const age of ages) {
            // The age the touch's timestamp carries (whole milliseconds), not the drawn double:
            // 199.99999998842736 days is a timestamp exactly 200 days old.
            const stored = (NOW.getTime() - daysAgo(age).getTime()) / 86_400_000;
            const period = Math.floor(stored / days);
            counts.set(period, (counts.get(period) ?? 0) + 1);
          }
          const expected = [...counts.values()].reduce(
            (sum, count) => sum + Math.min(count * points, capPoints),
            0,
          );
          const touches = ages.map((age, index) => touch(index, 'page_view', age));
          return engagementForRule(rule, touches, NOW).points === expected;
        },
      ),
    );
  });

  it('explains exactly the score: listed rule points sum to it', () => {
    fc.assert(
      fc.property(modelArb, leadArb, touchesArb, (model, lead, touches) => {
        const result = explainScore(model, lead, touches, NOW);
        const listed =
          result.fit_rules.reduce((sum, rule) => sum + rule.points, 0) +
          result.engagement_rules.reduce((sum, rule) => sum + rule.points, 0);
        return (
          listed === result.score &&
          result.score === result.fit_score + result.engagement_score &&
          result.temperature === temperatureFor(result.score, model.thresholds) &&
          result.reaches_mql === result.score >= model.thresholds.mql
        );
      }),
    );
  });

  it('does not depend on rule order or touchpoint order', () => {
    fc.assert(
      fc.property(modelArb, leadArb, touchesArb, fc.integer(), (model, lead, touches, seed) => {
        const shuffle = <T>(items: T[]): T[] => {
          const copy = [...items];
          let state = seed;
          for (let i = copy.length - 1; i > 0; i--) {
            state = (state * 1103515245 + 12345) & 0x7fffffff;
            const j = state % (i + 1);
            [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
          }
          return copy;
        };
        const shuffled: ScoringModel = {
          ...model,
          fit_rules: shuffle(model.fit_rules),
          engagement_rules: shuffle(model.engagement_rules),
        };
        const a = explainScore(model, lead, touches, NOW);
        const b = explainScore(shuffled, lead, shuffle(touches), NOW);
        return a.score === b.score && a.fit_score === b.fit_score && a.temperature === b.temperature;
      }),
    );
  });

  it('temperature never cools as the score rises', () => {
    fc.assert(
      fc.property(
        modelArb,
        fc.integer({ min: -500, max: 500 }),
        fc.integer({ min: 0, max: 100 }),
        (model, score, up) => {
          const rank = { cold: 0, warm: 1, hot: 2 } as const;
          return (
            rank[temperatureFor(score + up, model.thresholds)] >=
            rank[temperatureFor(score, model.thresholds)]
          );
        },
      ),
    );
  });

  it('is_empty and is_not_empty are opposites; in [v] is equals v', () => {
    fc.assert(
      fc.property(
        leadArb,
        fc.constantFrom('title', 'employees', 'country', 'phone', 'custom_fields.budget', 'account.industry'),
        (lead, field) =>
          evaluateCondition({ field, operator: 'is_empty' }, lead) !==
          evaluateCondition({ field, operator: 'is_not_empty' }, lead),
      ),
    );
    fc.assert(
      fc.property(leadArb, fc.constantFrom('DE', 'de', 'US', 'x'), (lead, value) => {
        return (
          evaluateCondition({ field: 'country', operator: 'in', value: [value] }, lead) ===
          evaluateCondition({ field: 'country', operator: 'equals', value }, lead)
        );
      }),
    );
  });
});
