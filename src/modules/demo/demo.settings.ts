/**
 * The demo company's settings in the other areas (revenue goals, SLA calendar, policies
 * and commitments, routing rules, qualification fields, a web form). Each is written
 * through its area's own service, after the company's rows are committed, so it goes
 * through the same validation as an admin's edit. Figures come from the company's history.
 */

import type { TouchpointType } from '../../db/tables/foundation.ts';
import { systemCaller } from '../auth/auth.ts';
import { createFormBody } from '../forms/forms.schemas.ts';
import { createForm } from '../forms/forms.service.ts';
import { createGoal } from '../planning/goals.service.ts';
import { createGoalBody } from '../planning/planning.schemas.ts';
import { saveQualificationFields } from '../qualification/qualification.service.ts';
import { routingRuleBody } from '../routing/routing.schemas.ts';
import { saveRules } from '../routing/routing.service.ts';
import { saveModelBody } from '../scoring/scoring.schemas.ts';
import { installModel } from '../scoring/scoring.service.ts';
import { createCalendarBody, createCommitmentBody, createPolicyBody } from '../sla/sla.schemas.ts';
import { createCalendar, createCommitment, createPolicy } from '../sla/sla.service.ts';
import { FREE_MAIL_DOMAINS, INDIVIDUAL_PERSONAS, INDUSTRIES, PERSONAS, SEGMENTS } from './demo.catalog.ts';
import * as demoRepository from './demo.repository.ts';
import type { DemoStep } from './demo.service.ts';
import { ENGAGEMENT_POINTS, ROUND_ROBIN_RULE } from './demo.ts';

/** 'YYYY-MM' of a moment (UTC). */
export function monthKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** 'YYYY-Qn' of a moment (UTC). */
export function quarterKey(ms: number): string {
  const date = new Date(ms);
  return `${date.getUTCFullYear()}-Q${Math.floor(date.getUTCMonth() / 3) + 1}`;
}

function shiftMonths(ms: number, months: number): number {
  const date = new Date(ms);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1);
}

/**
 * Marketing's MQL commitment per month: 5% above the average of the last six complete
 * months, for those months (so some were met and some missed), this month and the next two.
 */
export function mqlCommitments(
  mqlsByMonth: ReadonlyMap<string, number>,
  todayMs: number,
): { period: string; mql_volume: number; min_acceptance_rate: number }[] {
  const past = Array.from({ length: 6 }, (_, index) => monthKey(shiftMonths(todayMs, -6 + index)));
  const average = past.reduce((sum, month) => sum + (mqlsByMonth.get(month) ?? 0), 0) / past.length;
  const volume = Math.max(1, Math.round(average * 1.05));
  return [...past, ...[0, 1, 2].map((ahead) => monthKey(shiftMonths(todayMs, ahead)))].map((period) => ({
    period,
    mql_volume: volume,
    min_acceptance_rate: 0.6,
  }));
}

/**
 * Revenue goals for the quarters of the current year and the year: 20% above the larger
 * of the same quarter a year before and the average of the last four complete quarters,
 * rounded to 10,000.
 */
export function revenueGoals(
  wonByQuarter: ReadonlyMap<string, number>,
  todayMs: number,
): { period: string; revenue: number }[] {
  const year = new Date(todayMs).getUTCFullYear();
  const currentQuarter = Math.floor(new Date(todayMs).getUTCMonth() / 3);
  const lastFour = Array.from({ length: 4 }, (_, index) =>
    quarterKey(Date.UTC(year, (currentQuarter - 4 + index) * 3, 1)),
  );
  const trailing = lastFour.reduce((sum, quarter) => sum + (wonByQuarter.get(quarter) ?? 0), 0) / 4;
  const quarters = [1, 2, 3, 4].map((quarter) => {
    const base = Math.max(wonByQuarter.get(`${year - 1}-Q${quarter}`) ?? 0, trailing);
    return {
      period: `${year}-Q${quarter}`,
      revenue: Math.max(10_000, Math.round((base * 1.2) / 10_000) * 10_000),
    };
  });
  return [
    ...quarters,
    { period: String(year), revenue: quarters.reduce((sum, goal) => sum + goal.revenue, 0) },
  ];
}

/** Fixed-date public holidays of the sales team's calendar, for the years the history covers. */
function holidays(todayMs: number): string[] {
  const year = new Date(todayMs).getUTCFullYear();
  const dates: string[] = [];
  for (const y of [year - 2, year - 1, year, year + 1]) dates.push(`${y}-01-01`, `${y}-07-04`, `${y}-12-25`);
  return dates;
}

const seedGoals: DemoStep = {
  name: 'revenue goals',
  phase: 'settings',
  async run(context) {
    // A workspace that already has goals (generated into without --reset) keeps its own.
    if (await demoRepository.workspaceHasRows(context.db, 'goals', context.workspaceId)) return;
    const caller = systemCaller(context.workspaceId);
    const won = await demoRepository.wonRevenueByQuarter(context.db, context.workspaceId);
    const user = (key: string) => context.ids.userByKey.get(key) ?? null;
    for (const goal of revenueGoals(won, context.plan.todayMs)) {
      await createGoal(
        context.db,
        caller,
        createGoalBody.parse({
          ...goal,
          marketing_share: 0.45,
          owner_id: user('cro'),
          marketing_owner_id: user('vp-marketing'),
          sales_owner_id: user('vp-sales'),
          notes: 'Worked back from last year with 20% growth',
        }),
      );
      context.counts.goals = (context.counts.goals ?? 0) + 1;
    }
  },
};

const seedSla: DemoStep = {
  name: 'SLA calendar, policies and commitments',
  phase: 'settings',
  async run(context) {
    for (const table of ['business_calendars', 'sla_policies', 'sla_commitments']) {
      if (await demoRepository.workspaceHasRows(context.db, table, context.workspaceId)) return;
    }
    const caller = systemCaller(context.workspaceId);
    const calendar = await createCalendar(
      context.db,
      caller,
      createCalendarBody.parse({
        name: 'Sales business hours (New York)',
        time_zone: 'America/New_York',
        working_days: [1, 2, 3, 4, 5],
        start: '09:00',
        end: '18:00',
        holidays: holidays(context.plan.todayMs),
        is_default: true,
      }),
    );
    const policies = [
      {
        name: 'Hot leads',
        position: 0,
        match: { temperatures: ['hot'] },
        accept_within_minutes: 60,
        first_activity_within_minutes: 60,
        attempts_required: 3,
        attempts_within_days: 3,
        warn_before_minutes: 15,
        escalate: true,
        breach_action: 'reassign',
        action_delay_minutes: 30,
        leakage_days: 14,
        clock: 'wall',
      },
      {
        name: 'Enterprise accounts',
        position: 1,
        match: { min_employees: 2000 },
        accept_within_minutes: 240,
        first_activity_within_minutes: 240,
        attempts_required: 4,
        attempts_within_days: 5,
        warn_before_minutes: 60,
        escalate: true,
        breach_action: 'reassign',
        action_delay_minutes: 60,
        leakage_days: 14,
        clock: 'business',
        calendar_id: calendar.id,
      },
      {
        name: 'Every other MQL',
        position: 2,
        accept_within_minutes: 480,
        first_activity_within_minutes: 480,
        attempts_required: 3,
        attempts_within_days: 7,
        warn_before_minutes: 60,
        escalate: true,
        breach_action: 'recycle',
        action_delay_minutes: 1440,
        leakage_days: 30,
        clock: 'business',
        calendar_id: calendar.id,
      },
    ];
    for (const policy of policies) await createPolicy(context.db, caller, createPolicyBody.parse(policy));
    // The policies have been in force for the last two weeks: the worker opens clocks for the
    // handoffs of that fortnight, so the SLA board and the reps' countdowns start out populated
    // (older history stays outside, as policies are not retroactive).
    await demoRepository.backdateSlaPolicies(
      context.db,
      context.workspaceId,
      new Date(context.plan.todayMs - SLA_IN_FORCE_DAYS * 86_400_000),
    );
    const mqls = await demoRepository.mqlsByMonth(context.db, context.workspaceId);
    const commitments = mqlCommitments(mqls, context.plan.todayMs);
    for (const commitment of commitments) {
      await createCommitment(
        context.db,
        caller,
        createCommitmentBody.parse({ ...commitment, notes: 'Average of the last six months plus 5%' }),
      );
    }
    context.counts.sla_calendars = 1;
    context.counts.sla_policies = policies.length;
    context.counts.sla_commitments = commitments.length;
  },
};

const seedHandoffRules: DemoStep = {
  name: 'routing rules, qualification fields and web form',
  phase: 'settings',
  async run(context) {
    for (const table of ['routing_rules', 'qualification_settings', 'web_forms']) {
      if (await demoRepository.workspaceHasRows(context.db, table, context.workspaceId)) return;
    }
    const caller = systemCaller(context.workspaceId);
    // The rule the history's handoffs went through: round robin over the SDR team, which
    // skips reps who are away, inactive or at capacity.
    await saveRules(context.db, caller, [
      routingRuleBody.parse({ name: ROUND_ROBIN_RULE, kind: 'match', team_id: context.ids.teams.get('sdr') }),
    ]);
    await saveQualificationFields(context.db, caller, ['budget', 'need']);
    const contactCampaign = context.plan.campaigns.findIndex(
      (campaign) => campaign.channel === 'direct' || campaign.name.startsWith('Organic Search'),
    );
    await createForm(
      context.db,
      caller,
      createFormBody.parse({
        name: 'Website: talk to sales',
        campaign_id: contactCampaign >= 0 ? context.ids.campaigns[contactCampaign] : null,
        field_mapping: { work_email: 'email', job_title: 'title', company_name: 'company' },
      }),
    );
    context.counts.routing_rules = 1;
    context.counts.web_forms = 1;
  },
};

/** Points grouped by value: one `in` rule per distinct number of points. */
function groupedRules(prefix: string, field: string, entries: readonly { value: string; points: number }[]) {
  const byPoints = new Map<number, string[]>();
  for (const entry of entries) {
    if (entry.points === 0) continue;
    byPoints.set(entry.points, [...(byPoints.get(entry.points) ?? []), entry.value]);
  }
  return [...byPoints.entries()]
    .sort((a, b) => b[0] - a[0])
    .map(([points, values]) => ({
      id: `${prefix}-${points}`,
      name: `${prefix === 'title' ? 'Title' : 'Industry'}: ${values.join(', ')}`,
      field,
      operator: 'in' as const,
      value: values,
      points,
    }));
}

/**
 * The demo's scoring model: the same fit (persona, company size, industry, free mail) and
 * engagement points (per touch type, halving every 30 days) the generator used to decide
 * who engaged, written as rules an admin can read and edit.
 */
export function demoScoringModel() {
  const personas = [...PERSONAS, ...INDIVIDUAL_PERSONAS].map((persona) => ({
    value: persona.title,
    points: persona.fit,
  }));
  const segmentPoints = { SMB: 8, 'Mid-Market': 15, Enterprise: 20 } as const;
  return saveModelBody.parse({
    version: 0,
    fit_rules: [
      ...groupedRules('title', 'title', personas),
      ...SEGMENTS.map((segment) => ({
        id: `size-${segment.segment.toLowerCase()}`,
        name: `${segment.segment} account (${segment.employees[0]}+ employees)`,
        field: 'account.employees',
        operator: 'range' as const,
        value:
          segment.segment === 'Enterprise'
            ? { min: segment.employees[0] }
            : { min: segment.employees[0], max: segment.employees[1] },
        points: segmentPoints[segment.segment],
      })),
      ...groupedRules(
        'industry',
        'account.industry',
        INDUSTRIES.map((industry) => ({ value: industry.name, points: industry.fit })),
      ),
      {
        id: 'free-mail',
        name: 'Free-mail address',
        field: 'email_domain',
        operator: 'in' as const,
        value: [...FREE_MAIL_DOMAINS],
        points: -10,
      },
    ],
    engagement_rules: (Object.entries(ENGAGEMENT_POINTS) as [TouchpointType, number][]).map(
      ([type, points]) => ({
        id: `touch-${type}`,
        name: `${type.replaceAll('_', ' ')}`,
        type,
        points,
        half_life_days: 30,
        cap: { points: Math.max(points * 3, 10), days: 30 },
      }),
    ),
    thresholds: DEMO_THRESHOLDS,
  });
}

const SLA_IN_FORCE_DAYS = 14;

export const DEMO_THRESHOLDS = { mql: 60, warm: 35, hot: 50 } as const;

const seedScoringModel: DemoStep = {
  name: 'scoring model',
  phase: 'settings',
  async run(context) {
    if (await demoRepository.workspaceHasRows(context.db, 'scoring_models', context.workspaceId)) return;
    const { version: _version, ...model } = demoScoringModel();
    const installed = await installModel(
      context.db,
      systemCaller(context.workspaceId),
      model,
      new Date(context.plan.todayMs),
    );
    context.counts.scoring_models = 1;
    context.counts.leads_scored = installed.scored;
  },
};

/** Settings of the areas built on the foundation, seeded after the company is committed. */
export const DEMO_SETTINGS_STEPS: DemoStep[] = [seedGoals, seedSla, seedHandoffRules, seedScoringModel];
