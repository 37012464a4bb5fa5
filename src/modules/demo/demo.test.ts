import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LifecycleStage } from '../../db/tables/foundation.ts';
import { ALL_STAGES, checkTransition, FUNNEL_STAGES } from '../lifecycle/lifecycle.ts';
import { CHANNELS, OUTBOUND_SOURCE } from './demo.catalog.ts';
import {
  cumulative,
  logNormal,
  mixSeed,
  mulberry32,
  pickCumulative,
  poisson,
  streamRng,
} from './demo.random.ts';
import {
  ANONYMOUS_TOUCH_TYPES,
  CONVERSION_TOUCH_TYPES,
  type CompanyPlan,
  companyIdentity,
  DAY,
  DEMO_SIZES,
  engagementScore,
  type GeneratedUnit,
  generateUnit,
  generateUnits,
  HISTORY_DAYS,
  MINUTE,
  PRE_CONVERSION_WINDOW_DAYS,
  planCompany,
  StageHistory,
  sampleCreatedAt,
  sampleResponseDelay,
  temperatureFor,
} from './demo.ts';

const TODAY = new Date('2025-06-01T00:00:00Z');
const SMALL = { name: 'test', leads: 1_500, sdrs: 6, aesPerTerritory: 2, campaignsPerSlot: 1 };

function hashUnits(units: Iterable<GeneratedUnit>): string {
  const hash = createHash('sha256');
  for (const unit of units) hash.update(JSON.stringify(unit));
  return hash.digest('hex');
}

describe('seeded randomness', () => {
  it('mulberry32 gives the same sequence for a seed, always in [0, 1)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
        const a = mulberry32(seed);
        const b = mulberry32(seed);
        for (let i = 0; i < 50; i++) {
          const value = a();
          expect(value).toBe(b());
          expect(value).toBeGreaterThanOrEqual(0);
          expect(value).toBeLessThan(1);
        }
      }),
    );
  });

  it('mixSeed separates streams: other coordinates give another 32-bit seed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 5_000_000 }),
        fc.integer({ min: 0, max: 5_000_000 }),
        (seed, i, j) => {
          fc.pre(i !== j);
          const a = mixSeed(seed, 2, i);
          expect(Number.isInteger(a) && a >= 0 && a <= 0xffffffff).toBe(true);
          expect(a).not.toBe(mixSeed(seed, 2, j));
          expect(a).toBe(mixSeed(seed, 2, i));
        },
      ),
    );
  });

  it('pickCumulative only picks positive weights, in proportion to them', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0.01, max: 100, noNaN: true })), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.integer(),
        (weights, seed) => {
          fc.pre(weights.some((weight) => weight > 0));
          const rng = mulberry32(seed);
          const totals = cumulative(weights);
          for (let i = 0; i < 200; i++) {
            const index = pickCumulative(rng, totals);
            expect(weights[index]).toBeGreaterThan(0);
          }
        },
      ),
    );
    // Frequencies follow the weights (1:3 over 40,000 draws, within 2 percentage points).
    const rng = mulberry32(7);
    const totals = cumulative([1, 3]);
    let second = 0;
    for (let i = 0; i < 40_000; i++) second += pickCumulative(rng, totals);
    expect(Math.abs(second / 40_000 - 0.75)).toBeLessThan(0.02);
  });

  it('logNormal is positive with the asked-for median; poisson has the asked-for mean', () => {
    const rng = mulberry32(11);
    const draws = Array.from({ length: 20_001 }, () => logNormal(rng, 10, 0.8)).sort((a, b) => a - b);
    expect(draws[0]).toBeGreaterThan(0);
    expect(Math.abs((draws[10_000] as number) - 10)).toBeLessThan(0.4);
    const counts = Array.from({ length: 20_000 }, () => poisson(rng, 3.5));
    expect(Math.abs(counts.reduce((a, b) => a + b, 0) / counts.length - 3.5)).toBeLessThan(0.06);
  });
});

describe('generation helpers', () => {
  const todayMs = TODAY.getTime();
  const historyStartMs = todayMs - HISTORY_DAYS * DAY;

  it('lead arrival moments lie in the history, before the reference day, growing towards it', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: -8, max: 12 }), (seed, offset) => {
        const rng = mulberry32(seed);
        for (let i = 0; i < 50; i++) {
          const at = sampleCreatedAt(rng, historyStartMs, todayMs, offset);
          expect(at).toBeGreaterThanOrEqual(historyStartMs - DAY);
          expect(at).toBeLessThan(todayMs);
        }
      }),
    );
    const rng = mulberry32(3);
    const halfway = historyStartMs + (HISTORY_DAYS / 2) * DAY;
    let late = 0;
    for (let i = 0; i < 20_000; i++)
      if (sampleCreatedAt(rng, historyStartMs, todayMs, 0) >= halfway) late += 1;
    // Density 1 + 0.8x over the history: the second half holds (0.5 + 0.3) / 1.4 = 0.571 of it
    // (the first half would hold 0.429 without growth's tilt).
    expect(late / 20_000).toBeGreaterThan(0.555);
    expect(late / 20_000).toBeLessThan(0.59);
  });

  it('response delays: about a fifth never answered, the rest from minutes to days', () => {
    const rng = mulberry32(5);
    const delays = Array.from({ length: 40_000 }, () => sampleResponseDelay(rng));
    const never = delays.filter((delay) => delay === null).length / delays.length;
    const answered = delays.filter((delay): delay is number => delay !== null);
    const overDay = answered.filter((delay) => delay > 24 * 3_600_000).length / delays.length;
    const withinHour = answered.filter((delay) => delay <= 3_600_000).length / delays.length;
    expect(never).toBeGreaterThan(0.2);
    expect(never).toBeLessThan(0.25);
    expect(overDay).toBeGreaterThan(0.2);
    expect(overDay).toBeLessThan(0.3);
    expect(withinHour).toBeGreaterThan(0.15);
    expect(withinHour).toBeLessThan(0.3);
    expect(Math.min(...answered)).toBeGreaterThanOrEqual(MINUTE);
  });

  it('company identities are distinct with .example domains', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3_000_000 }), fc.integer({ min: 0, max: 3_000_000 }), (a, b) => {
        fc.pre(a !== b);
        const first = companyIdentity(a);
        const second = companyIdentity(b);
        expect(first.domain).toMatch(/^[a-z0-9]+\.example$/);
        expect(first.domain).not.toBe(second.domain);
        expect(first.name).not.toBe(second.name);
      }),
    );
  });

  it('engagement stays within 0..60 and never drops when a touch is added', () => {
    const touch = fc.record({
      type: fc.constantFrom(
        ...([...ANONYMOUS_TOUCH_TYPES, ...CONVERSION_TOUCH_TYPES, 'email_open'] as const),
      ),
      at: fc.integer({ min: historyStartMs, max: todayMs - 1 }),
    });
    fc.assert(
      fc.property(fc.array(touch, { maxLength: 40 }), touch, (touches, extra) => {
        const score = engagementScore(touches, todayMs);
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(60);
        expect(engagementScore([...touches, extra], todayMs)).toBeGreaterThanOrEqual(score);
      }),
    );
    expect([temperatureFor(39), temperatureFor(40), temperatureFor(79), temperatureFor(80)]).toEqual([
      'cold',
      'warm',
      'warm',
      'hot',
    ]);
  });

  it('StageHistory follows the state machine and stamps each stage at its first arrival', () => {
    const stage = fc.constantFrom<LifecycleStage>(...ALL_STAGES);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(stage, fc.integer({ min: 0, max: 10 * DAY })), { maxLength: 25 }),
        (moves) => {
          const history = new StageHistory();
          let now = historyStartMs;
          history.move('lead', now, null, 'api', 'created');
          for (const [to, gap] of moves) {
            now += gap;
            const from = history.current() as LifecycleStage;
            if (checkTransition(from, to).allowed) history.move(to, now, null, 'api', null);
            else expect(() => history.move(to, now, null, 'api', null)).toThrow(/state machine/);
          }
          // Recompute the stamps independently from the events: the first event entering or
          // passing through each stage.
          const expected: Partial<Record<LifecycleStage, number>> = {};
          for (const event of history.events) {
            const stamped: LifecycleStage[] = [event.to];
            const fromIndex = event.from ? FUNNEL_STAGES.indexOf(event.from as never) : -1;
            const toIndex = FUNNEL_STAGES.indexOf(event.to as never);
            if (fromIndex >= 0 && toIndex > fromIndex)
              stamped.push(...FUNNEL_STAGES.slice(fromIndex + 1, toIndex));
            for (const s of stamped) expected[s] ??= event.at;
          }
          expect(history.reached).toEqual(expected);
          for (let i = 1; i < history.events.length; i++) {
            expect(history.events[i]!.at).toBeGreaterThan(history.events[i - 1]!.at);
            expect(history.events[i]!.from).toBe(history.events[i - 1]!.to);
          }
        },
      ),
    );
  });
});

/** The invariants every generated unit keeps, checked on plain data. */
function assertUnitInvariants(plan: CompanyPlan, unit: GeneratedUnit): void {
  for (const lead of unit.leads) {
    // The stage history is a valid walk of the state machine ending in the lead's stage.
    expect(lead.events[0]!.from).toBeNull();
    for (let i = 1; i < lead.events.length; i++) {
      const previous = lead.events[i - 1]!;
      const event = lead.events[i]!;
      expect(event.from).toBe(previous.to);
      expect(checkTransition(event.from!, event.to).allowed).toBe(true);
      expect(event.at).toBeGreaterThan(previous.at);
    }
    expect(lead.events[lead.events.length - 1]!.to).toBe(lead.stage);
    expect(lead.events[0]!.at).toBe(lead.createdAt);
    // Nothing happens on or after the reference day.
    for (const moment of [
      ...lead.events.map((event) => event.at),
      ...lead.touchpoints.map((touch) => touch.at),
      ...lead.activities.map((activity) => activity.at),
    ]) {
      expect(moment).toBeLessThan(plan.todayMs);
    }
    // Touches before the lead exists are anonymous web visits of the 30 days before.
    const before = lead.touchpoints.filter((touch) => touch.at < lead.createdAt);
    for (const touch of before) {
      expect(ANONYMOUS_TOUCH_TYPES).toContain(touch.type);
      expect(touch.at).toBeGreaterThanOrEqual(lead.createdAt - PRE_CONVERSION_WINDOW_DAYS * DAY);
    }
    const atCreation = lead.touchpoints.filter((touch) => touch.at === lead.createdAt);
    if (lead.source === OUTBOUND_SOURCE) {
      expect(before).toHaveLength(0);
      expect(atCreation).toHaveLength(0);
    } else {
      expect(atCreation).toHaveLength(1);
      expect(CONVERSION_TOUCH_TYPES).toContain(atCreation[0]!.type);
      expect(lead.touchpoints[0]!.channel).toBe(lead.source);
      expect(lead.firstUtm).toEqual(lead.touchpoints[0]!.utm);
      expect(CHANNELS as readonly string[]).toContain(lead.source);
    }
    // A rejected lead goes back to marketing without an owner; an owned lead was assigned,
    // and its last assignment is its assigned_at.
    if (lead.owner !== null) expect(lead.assignedAt).not.toBeNull();
    expect(lead.assignments[lead.assignments.length - 1]?.assignedAt ?? null).toBe(lead.assignedAt);
    for (const feedback of lead.feedback) {
      const event = lead.events.find((candidate) => candidate.at === feedback.decidedAt);
      expect(event?.to).toBe(feedback.decision === 'accepted' ? 'sal' : feedback.outcome);
      expect(feedback.handoffAt).toBeLessThanOrEqual(feedback.decidedAt);
    }
    if (lead.reached.mql !== undefined && lead.source !== OUTBOUND_SOURCE) {
      expect(lead.assignedAt).toBeGreaterThan(lead.reached.mql);
    }
  }
  for (const opportunity of unit.opportunities) {
    expect(opportunity.amount).toBeGreaterThan(0);
    expect(opportunity.contacts[0]?.lead).toBe(opportunity.primaryLead);
    expect(new Set(opportunity.contacts.map((contact) => contact.lead)).size).toBe(
      opportunity.contacts.length,
    );
    if (opportunity.status === 'open') {
      expect(opportunity.closedAt).toBeNull();
    } else {
      expect(opportunity.closedAt).toBeGreaterThanOrEqual(opportunity.createdAt);
      expect(opportunity.closedAt).toBeLessThan(plan.todayMs);
      expect(opportunity.reason).not.toBeNull();
    }
    const primary = unit.leads[opportunity.primaryLead]!;
    if (opportunity.source !== 'expansion') {
      // The deal opened when its lead moved to opportunity (a recycled lead may open a second one).
      const opened = primary.events.filter((event) => event.to === 'opportunity').map((event) => event.at);
      expect(opened).toContain(opportunity.createdAt);
      if (opportunity.status === 'won') {
        expect(primary.events.filter((event) => event.to === 'customer').map((event) => event.at)).toEqual([
          opportunity.closedAt,
        ]);
      }
    } else {
      expect(primary.stage).toBe('customer');
    }
  }
}

describe('the generated company', () => {
  it('is the same for the same seed and reference day, different for another seed', () => {
    const first = hashUnits(generateUnits(planCompany({ seed: 42, size: SMALL, today: TODAY })));
    const second = hashUnits(generateUnits(planCompany({ seed: 42, size: SMALL, today: TODAY })));
    const other = hashUnits(generateUnits(planCompany({ seed: 43, size: SMALL, today: TODAY })));
    const otherDay = hashUnits(
      generateUnits(planCompany({ seed: 42, size: SMALL, today: new Date('2025-06-02T00:00:00Z') })),
    );
    expect(second).toBe(first);
    expect(other).not.toBe(first);
    expect(otherDay).not.toBe(first);
  });

  it('a unit depends only on the seed and its index, not on what was generated before it', () => {
    const plan = planCompany({ seed: 9, size: SMALL, today: TODAY });
    const units = [...generateUnits(plan)];
    const unit = units[100]!;
    const firstLead = unit.leads[0]!.number;
    expect(JSON.stringify(generateUnit(plan, 100, firstLead, SMALL.leads - firstLead))).toBe(
      JSON.stringify(unit),
    );
  });

  it('size s has 10k leads, about 57k touchpoints (shorter journeys) and 1k opportunities', () => {
    const plan = planCompany({ seed: 1, size: DEMO_SIZES.s, today: TODAY });
    let leads = 0;
    let touchpoints = 0;
    let opportunities = 0;
    for (const unit of generateUnits(plan)) {
      leads += unit.leads.length;
      opportunities += unit.opportunities.length;
      for (const lead of unit.leads) touchpoints += lead.touchpoints.length;
    }
    expect(leads).toBe(10_000);
    expect(touchpoints).toBeGreaterThan(45_000);
    expect(touchpoints).toBeLessThan(70_000);
    expect(opportunities).toBeGreaterThan(800);
    expect(opportunities).toBeLessThan(1_300);
  });

  it('has exactly the leads asked for', () => {
    const plan = planCompany({ seed: 5, size: SMALL, today: TODAY });
    let leads = 0;
    const numbers = new Set<number>();
    for (const unit of generateUnits(plan)) {
      leads += unit.leads.length;
      for (const lead of unit.leads) numbers.add(lead.number);
    }
    expect(leads).toBe(SMALL.leads);
    expect(numbers.size).toBe(SMALL.leads);
  });

  it('keeps its invariants for any seed and unit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 200_000 }),
        (seed, index) => {
          const plan = planCompany({ seed, size: DEMO_SIZES.s, today: TODAY });
          assertUnitInvariants(plan, generateUnit(plan, index, 0, 50));
        },
      ),
      { numRuns: 60 },
    );
    const plan = planCompany({ seed: 1, size: SMALL, today: TODAY });
    for (const unit of generateUnits(plan)) assertUnitInvariants(plan, unit);
  });

  it('names users by role only, with demo.example.com emails', () => {
    const plan = planCompany({ seed: 1, size: DEMO_SIZES.m, today: TODAY });
    for (const user of plan.users) {
      expect(user.email).toMatch(/^[a-z0-9.]+@demo\.example\.com$/);
      expect(user.name).toMatch(
        /^(Demo Admin|Chief Revenue Officer|VP Sales|VP Marketing|Marketing Ops|Demand Gen Manager|Content Marketing Manager|Field Marketing Manager|Partner Marketing Manager|SDR Manager|SDR \d{2}|Sales Manager (West|East|EMEA|APAC)|AE (West|East|EMEA|APAC) \d+)$/,
      );
    }
    expect(plan.users.filter((user) => user.kind === 'sdr')).toHaveLength(DEMO_SIZES.m.sdrs);
    expect(plan.users.some((user) => user.status === 'away')).toBe(true);
  });

  it('prices campaigns so cost per lead differs by channel, with failures among them', () => {
    const plan = planCompany({ seed: 1, size: DEMO_SIZES.s, today: TODAY });
    const cost = new Map<string, number>();
    const sourced = new Map<string, number>();
    const sourcedByCampaign = new Map<number, number>();
    let failurePipeline = 0;
    for (const campaign of plan.campaigns)
      cost.set(campaign.channel, (cost.get(campaign.channel) ?? 0) + campaign.cost);
    for (const unit of generateUnits(plan)) {
      for (const lead of unit.leads) {
        if (lead.firstCampaign === null) continue;
        const channel = plan.campaigns[lead.firstCampaign]!.channel;
        sourced.set(channel, (sourced.get(channel) ?? 0) + 1);
        sourcedByCampaign.set(lead.firstCampaign, (sourcedByCampaign.get(lead.firstCampaign) ?? 0) + 1);
        if (plan.campaigns[lead.firstCampaign]!.failing && lead.reached.opportunity !== undefined)
          failurePipeline += 1;
      }
    }
    const cpl = (channel: string) => (cost.get(channel) ?? 0) / (sourced.get(channel) ?? 1);
    // Within 35% of each channel's planned cost per lead, and ordered as planned.
    expect(Math.abs(cpl('paid_search') / 140 - 1)).toBeLessThan(0.35);
    expect(Math.abs(cpl('webinar') / 110 - 1)).toBeLessThan(0.35);
    expect(cpl('events')).toBeGreaterThan(cpl('paid_search'));
    expect(cpl('paid_search')).toBeGreaterThan(cpl('content_syndication'));
    expect(cpl('content_syndication')).toBeGreaterThan(cpl('email'));
    const failures = plan.campaigns.filter((campaign) => campaign.failing);
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure.cost).toBeGreaterThan(0);
      expect(failure.endMs).toBeLessThan(plan.todayMs);
    }
    // Failures source far fewer leads per dollar than the rest of their channel.
    const failureCpl =
      failures.reduce((sum, failure) => sum + failure.cost, 0) /
      Math.max(
        1,
        failures.reduce(
          (sum, failure) => sum + (sourcedByCampaign.get(plan.campaigns.indexOf(failure)) ?? 0),
          0,
        ),
      );
    expect(failureCpl).toBeGreaterThan(3 * cpl('paid_social'));
    // ...and no pipeline at all.
    expect(failurePipeline).toBe(0);
  });

  it('streams: a stream per coordinate gives independent sequences', () => {
    const a = streamRng(1, 2, 3);
    const b = streamRng(1, 2, 4);
    const same = Array.from({ length: 20 }, () => a() === b()).filter(Boolean).length;
    expect(same).toBe(0);
  });
});
